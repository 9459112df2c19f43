namespace AgentMem.ModelHost.Compression;

/// <summary>
/// Compresses a <see cref="KvCache"/> to a token budget, H2O / SnapKV style: keeps the attention sinks (first slots), the recent
/// window (last slots) and the slots that received the most attention during the prefill, then compacts the cache. Kept slots
/// keep their RoPE positions, so decoding continues with <see cref="LlamaModel.ForwardAt"/>(token, NextPosition, Length).
/// </summary>
/// <remarks>
/// One kept set serves every layer and head, because a <see cref="KvCache"/> maps slots to positions once for all layers; the
/// per-head selection of the papers would need a per-head cache layout. The quality cost is measured, not assumed: see
/// bench/Activation/README.md.
/// </remarks>
public sealed class KvCompressor
{
    private readonly KvCompressionOptions settings;

    /// <summary>
    /// Creates a compressor with a validated copy of <paramref name="options"/>, taken here: changing the caller's object later
    /// has no effect on this compressor (make a new one for other settings).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting cannot work.</exception>
    public KvCompressor(KvCompressionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Copied, then validated: a setting changed later on the caller's object skipped validation (a RecentWindow of 0 dropped
        // the cache's last slot, the one a cartridge's continuation starts from).
        settings = options.Copy();
        settings.Validate();
    }

    /// <summary>A copy of the settings in use; changing it changes nothing.</summary>
    public KvCompressionOptions Options => settings.Copy();

    /// <summary>The observer to pass to <see cref="LlamaModel.ForwardAt"/> while prefilling <paramref name="length"/> tokens.</summary>
    public AttentionScores CreateScores(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        int firstVoting = settings.Method == KvCompressionMethod.SnapKv ? Math.Max(0, length - settings.ObservationWindow) : 0;
        return new AttentionScores(length, firstVoting);
    }

    /// <summary>
    /// Slots to keep out of <paramref name="length"/>, strictly increasing: all of them within the budget, otherwise the sinks,
    /// the recent window and the best-scored of the rest (ties go to the earlier slot).
    /// </summary>
    public int[] SelectSlots(AttentionScores scores, int length)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= settings.Budget)
        {
            return [.. Enumerable.Range(0, length)];
        }

        if (scores.Scores.Length < length)
        {
            throw new ArgumentException($"scores cover {scores.Scores.Length} slots; the cache holds {length}.", nameof(scores));
        }

        int sinks = settings.Sinks;
        int windowStart = length - settings.RecentWindow;
        double[] smoothed = Smooth(scores.Scores[..length]);
        int free = settings.Budget - sinks - settings.RecentWindow;
        var middle = Enumerable.Range(sinks, windowStart - sinks)
            .OrderByDescending(s => smoothed[s])
            .ThenBy(s => s)
            .Take(free);
        return [.. Enumerable.Range(0, sinks).Concat(middle).Concat(Enumerable.Range(windowStart, settings.RecentWindow)).Order()];
    }

    /// <summary>Keeps <see cref="SelectSlots"/> of <paramref name="cache"/> and compacts it; returns the kept (former) slots.</summary>
    public int[] Compress(KvCache cache, AttentionScores scores)
    {
        ArgumentNullException.ThrowIfNull(cache);
        int[] kept = SelectSlots(scores, cache.Length);
        if (kept.Length < cache.Length)
        {
            cache.Compact(kept);
        }

        return kept;
    }

    /// <summary>
    /// Clears <paramref name="cache"/>, prefills <paramref name="tokens"/> (slot = position) while scoring attention, and compresses
    /// the result. Returns the kept slots, which are also the positions and indexes into <paramref name="tokens"/> of what remains.
    /// </summary>
    public int[] PrefillAndCompress(LlamaModel model, IReadOnlyList<int> tokens, KvCache cache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(cache);
        if (tokens.Count == 0 || tokens.Count > model.Config.SeqLen)
        {
            throw new ArgumentException($"{tokens.Count} tokens; need 1 .. {model.Config.SeqLen}.", nameof(tokens));
        }

        var scores = CreateScores(tokens.Count);
        cache.Clear();
        for (int p = 0; p < tokens.Count; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            model.ForwardAt(tokens[p], p, p, cache, scores);
        }

        return Compress(cache, scores);
    }

    private double[] Smooth(ReadOnlySpan<double> raw)
    {
        int half = settings.Method == KvCompressionMethod.SnapKv ? settings.PoolKernel / 2 : 0;
        var result = new double[raw.Length];
        for (int s = 0; s < raw.Length; s++)
        {
            int from = Math.Max(0, s - half), to = Math.Min(raw.Length - 1, s + half);
            double sum = 0;
            for (int t = from; t <= to; t++)
            {
                sum += raw[t];
            }

            result[s] = sum / (to - from + 1);
        }

        return result;
    }
}
