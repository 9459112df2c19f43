namespace AgentMem.ModelHost.Training;

/// <summary>
/// A trained self-study prefix (<see cref="SelfStudyTrainer"/>): the P entries, the corpus tokens they started from, the loss
/// curve and the recipe that made them.
/// </summary>
public sealed class SelfStudyResult
{
    internal SelfStudyResult(KvPrefixParameters prefix, int[] tokens, float[] losses, TimeSpan elapsed, IReadOnlyDictionary<string, string> recipe)
    {
        Prefix = prefix;
        Tokens = tokens;
        Losses = losses;
        Elapsed = elapsed;
        Recipe = recipe;
    }

    /// <summary>The trained keys (after RoPE) and values per layer, with the positions of the corpus entries they started from.</summary>
    public KvPrefixParameters Prefix { get; }

    /// <summary>The corpus token each entry was initialised from (a label: the entries no longer encode these tokens alone).</summary>
    public IReadOnlyList<int> Tokens { get; }

    /// <summary>KL(teacher ‖ student) of every step, averaged over its sequences.</summary>
    public IReadOnlyList<float> Losses { get; }

    /// <summary>Wall time of synthesis and training.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>How the prefix was made (settings, corpus size and SHA-256, final loss), as saved in a trained cartridge.</summary>
    public IReadOnlyDictionary<string, string> Recipe { get; }

    /// <summary>A new cache of <paramref name="model"/> holding the prefix, ready to continue at its next position.</summary>
    public KvCache CreateCache(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var cache = model.CreateCache();
        Prefix.WriteTo(cache);
        return cache;
    }

    /// <summary>The prefix as a cartridge of <paramref name="model"/>, marked trained and carrying <see cref="Recipe"/>.</summary>
    public KvCartridge ToCartridge(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var cache = CreateCache(model);
        return KvCartridge.Export(model, cache, [.. Tokens]).AsTrained(Recipe);
    }
}
