using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// Self-study (the cartridges paper, issue 17): trains a P-entry KV prefix to stand in for a whole corpus in context. The model
/// writes its own training data (a random corpus chunk, then tokens sampled with the whole corpus in context), and the prefix is
/// fitted by KL(teacher ‖ student) on every next-token distribution of those sequences, where the teacher is the model with the
/// whole corpus's cache and the student the model with the prefix. Both see the sequences at the same positions, right after the
/// corpus, which is also where a continuation of the saved cartridge starts (its last entry is the corpus's last), so what is
/// trained is what is run.
/// </summary>
public sealed class SelfStudyTrainer
{
    private readonly LlamaModel model;
    private readonly SelfStudyOptions settings;

    /// <summary>
    /// A trainer for <paramref name="model"/> (float32 weights) with a validated copy of <paramref name="options"/>, taken here:
    /// changing the caller's object later has no effect on this trainer (make a new one for other settings).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option cannot work.</exception>
    /// <exception cref="NotSupportedException">The model's weights are quantised, or it has adapters attached or merged.</exception>
    public SelfStudyTrainer(LlamaModel model, SelfStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);

        // Copied, then validated: a setting changed later on the caller's object skipped validation (a ChunkSize as long as
        // the sequence trained on corpus chunks alone, nothing sampled).
        settings = options.Copy();
        settings.Validate();
        if (model.Quantization != WeightQuantization.None)
        {
            throw new NotSupportedException("self-study needs the float32 weights; load the model without quantisation.");
        }

        // Here, not when Train makes its LlamaTrainer: that comes after the corpus prefill and the synthesis.
        LlamaTrainer.RefuseAdapters(model);
        this.model = model;
    }

    /// <summary>A copy of the settings in use; changing it changes nothing.</summary>
    public SelfStudyOptions Options => settings.Copy();

    /// <summary>
    /// Trains a prefix for <paramref name="corpus"/> (its tokens, BOS first as a prefill would have them). Deterministic for a
    /// given seed, corpus and model.
    /// </summary>
    /// <exception cref="ArgumentException">The corpus is not longer than the prefix, corpus plus a sequence exceed the context, or a sequence's logits do not fit one array, or its activations (beside the weights and the transposed copies of the matrices the backward pass keeps) or the synthetic sequences' teacher distributions the memory available.</exception>
    /// <exception cref="NotSupportedException">An adapter was merged into the model since this trainer was made.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients came back NaN or infinite: the learning rate is too
    /// large for the data.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (between sequences of the synthesis or between steps).</exception>
    public SelfStudyResult Train(IReadOnlyList<int> corpus, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        LlamaTrainer.RefuseAdapters(model); // merged since the constructor checked
        var o = settings;
        var c = model.Config;
        int n = corpus.Count;
        if (n <= o.PrefixTokens)
        {
            throw new ArgumentException($"the corpus has {n} tokens; a {o.PrefixTokens}-entry prefix must be shorter than it.", nameof(corpus));
        }

        if (n + o.SequenceLength > c.SeqLen)
        {
            throw new ArgumentException($"the corpus ({n} tokens) and a {o.SequenceLength}-token sequence do not fit the context of {c.SeqLen}.", nameof(corpus));
        }

        // The teacher's logits of a sequence are one array (checked in 64 bits: a long sequence × a large vocabulary wraps in int).
        if ((long)o.SequenceLength * c.VocabSize > Array.MaxLength)
        {
            throw new ArgumentException($"a {o.SequenceLength}-token sequence's logits ({(long)o.SequenceLength * c.VocabSize} values for a vocabulary of {c.VocabSize}) do not fit one array; use a shorter SequenceLength.", nameof(corpus));
        }

        if (o.ChunkSize > n)
        {
            throw new ArgumentException($"chunks of {o.ChunkSize} tokens do not fit the {n}-token corpus.", nameof(corpus));
        }

        // The student's activations per sequence, with the weights and the backward's transposed matrices, checked before the
        // corpus prefill and the synthesis rather than at the first step.
        TrainingGraph<float>.EnsureTapeFits(c, o.SequenceLength, o.PrefixTokens, gradients: true, nameof(corpus));

        // The teacher's distributions of every synthetic sequence stay in memory for the whole training (sequence length ×
        // vocabulary floats each: 128 × 256 × 151,936 are 20 GB) beside the student's tape, and each sequence's logits sit in a
        // second array while their softmax is taken. Unchecked, the run died out of memory after the prefill and part of the
        // synthesis; refused here, nothing has run.
        double distribution = (double)o.SequenceLength * c.VocabSize * sizeof(float);
        double pool = o.SyntheticSequences * (distribution + ((double)o.SequenceLength * sizeof(int)));
        double needed = pool + distribution + TrainingGraph<float>.TapeBytes(c, o.SequenceLength, o.PrefixTokens) + TrainingGraph<float>.ModelBytes(c, gradients: true);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && needed > available)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"the teacher distributions of {o.SyntheticSequences} synthetic sequences of {o.SequenceLength} tokens over a vocabulary of {c.VocabSize} need about {pool / 1e9:F1} GB ({needed / 1e9:F1} GB with the training's activations, the weights and the transposed copies the backward pass makes), more than the {available / 1e9:F1} GB this process can use. Use fewer SyntheticSequences or a shorter SequenceLength (the CLI's --seq-len)."),
                nameof(corpus));
        }

        var clock = Stopwatch.StartNew();
        int[] text = [.. corpus];
        using var teacher = model.CreateCache();
        model.Prefill(text, 0, teacher, cancellationToken);

        int[] kept = InitialSlots(n, o.PrefixTokens, o.Initialization);
        var prefix = InitialPrefix(teacher, kept);
        var gradients = prefix.CreateGradientBuffer();
        var (sequences, losses) = Synthesize(text, teacher, cancellationToken);

        var trainer = new LlamaTrainer(model);
        int next = 0;
        float scale = 1f / o.SequencesPerStep;
        var curve = TrainingLoop.Run(
            () =>
            {
                float total = 0f;
                for (int s = 0; s < o.SequencesPerStep; s++, next = (next + 1) % sequences.Length)
                {
                    total += trainer.ComputeGradients(sequences[next], n, losses[next], prefix: prefix, prefixGradients: gradients);
                }

                // The mean over the step's sequences, so the learning rate does not depend on how many there are.
                foreach (var g in gradients.Tensors)
                {
                    TensorPrimitives.Multiply(g, scale, g);
                }

                return total * scale;
            },
            gradients.Tensors,
            prefix.Tensors,
            o.Optimizer,
            progress,
            cancellationToken);

        clock.Stop();
        return new SelfStudyResult(prefix, [.. kept.Select(i => text[i])], curve, clock.Elapsed, Recipe(text, curve));
    }

    /// <summary>The corpus slots a prefix of <paramref name="p"/> entries starts from; always ends with the last, so continuations start after the corpus.</summary>
    internal static int[] InitialSlots(int n, int p, SelfStudyInitialization initialization) => initialization switch
    {
        SelfStudyInitialization.FirstTokens => [.. Enumerable.Range(0, p - 1), n - 1],
        _ => [.. Enumerable.Range(0, p).Select(i => (int)Math.Round((double)i * (n - 1) / (p - 1)))],
    };

    private KvPrefixParameters InitialPrefix(KvCache teacher, int[] kept)
    {
        using var copy = model.CreateCache();
        teacher.CopyTo(copy);
        copy.Compact(kept);
        return KvPrefixParameters.FromCache(copy, kept.Length);
    }

    // Sequence i: a corpus chunk at a seeded offset, then tokens sampled with the whole corpus in context; the teacher's next-token
    // distribution at every one of its positions, recorded on the way (the sequence sits at positions n, n+1, … after the corpus).
    private (int[][] Sequences, KlDivergenceLoss[] Losses) Synthesize(int[] text, KvCache teacher, CancellationToken cancellationToken)
    {
        var o = settings;
        var c = model.Config;
        int n = text.Length;
        var random = new Random(unchecked((int)o.Seed ^ (int)(o.Seed >> 32)));
        var sequences = new int[o.SyntheticSequences][];
        var losses = new KlDivergenceLoss[o.SyntheticSequences];
        using var cache = model.CreateCache();
        var logits = new float[o.SequenceLength * c.VocabSize];
        for (int i = 0; i < sequences.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            teacher.CopyTo(cache);
            var sampler = new Sampler(c.VocabSize, o.Temperature, topP: 1f, seed: SamplerSeed(o.Seed, i));
            var sequence = new int[o.SequenceLength];
            int start = random.Next(0, n - o.ChunkSize + 1);
            text.AsSpan(start, o.ChunkSize).CopyTo(sequence);
            int token = o.ChunkSize > 0 ? sequence[0] : sampler.Sample(model.Forward(text[^1], n - 1, ForgetLast(cache)));
            sequence[0] = token;
            for (int t = 0; t < o.SequenceLength; t++)
            {
                var row = model.Forward(sequence[t], n + t, cache);
                row.CopyTo(logits.AsSpan(t * c.VocabSize, c.VocabSize));
                if (t + 1 < o.SequenceLength && t + 1 >= o.ChunkSize)
                {
                    sequence[t + 1] = sampler.Sample(row);
                }
            }

            sequences[i] = sequence;
            losses[i] = KlDivergenceLoss.FromLogits(logits, c.VocabSize);
        }

        return (sequences, losses);
    }

    // Sequence i's sampler seed. The sampler refuses 0 (xorshift would stay at 0), which seed 0 gives for the first sequence and
    // one seed per sequence gives by wrapping; that one value maps to a fixed odd constant, so every seed works and any other
    // seed's samples stay what they were.
    internal static ulong SamplerSeed(ulong seed, int sequence) =>
        unchecked((seed * 1_000_003UL) + (ulong)sequence) is var s && s != 0 ? s : 0x9E37_79B9_7F4A_7C15UL;

    // Without a chunk the first token is sampled from the corpus's last position: drop that slot and compute it again for its logits.
    private static KvCache ForgetLast(KvCache cache)
    {
        cache.Compact([.. Enumerable.Range(0, cache.Length - 1)]);
        return cache;
    }

    private Dictionary<string, string> Recipe(int[] text, float[] curve)
    {
        var o = settings;
        var inv = CultureInfo.InvariantCulture;
        var recipe = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = "self-study",
            ["prefix_tokens"] = o.PrefixTokens.ToString(inv),
        };
        o.Optimizer.AddTo(recipe);
        recipe["sequence_length"] = o.SequenceLength.ToString(inv);
        recipe["sequences_per_step"] = o.SequencesPerStep.ToString(inv);
        recipe["synthetic_sequences"] = o.SyntheticSequences.ToString(inv);
        recipe["chunk_size"] = o.ChunkSize.ToString(inv);
        recipe["temperature"] = o.Temperature.ToString("R", inv);
        recipe["initialization"] = o.Initialization == SelfStudyInitialization.FirstTokens ? "first-tokens" : "evenly-spaced";
        recipe["seed"] = o.Seed.ToString(inv);
        recipe["corpus_tokens"] = text.Length.ToString(inv);
        recipe["corpus_sha256"] = Convert.ToHexStringLower(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(text.AsSpan())));
        recipe["final_loss"] = curve[^1].ToString("R", inv);
        return recipe;
    }
}
