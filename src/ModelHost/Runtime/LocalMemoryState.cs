namespace AgentMem.ModelHost;

/// <summary>
/// Memory a <see cref="LocalChatClient"/> loads into the model before the prompt: activation memory as KV cartridges (their
/// entries are imported into the cache, so their tokens are not read again) and parametric memory as LoRA adapters (attached
/// with <see cref="LlamaModel.WithAdapters"/>).
/// </summary>
/// <remarks>
/// Several cartridges are composed in order (<see cref="KvCartridge.Compose(IReadOnlyList{KvCartridge}, LlamaConfig?)"/>, with
/// the model's RoPE): exact when they form a chain of complete entries (<see cref="KvCartridge.IsExact"/>), an approximation
/// otherwise. Together they must fit the model's context,
/// which a state does not know until a request: one past it is refused there with an <see cref="ArgumentException"/> naming
/// the entries and the context. Cartridges are made by the model without
/// adapters and are imported as they are, so with adapters attached the prefix keeps the plain model's keys and values while
/// the prompt and reply run through the adapted model.
/// </remarks>
public sealed class LocalMemoryState
{
    /// <summary>No memory loaded: the prompt alone, through the plain model.</summary>
    public static LocalMemoryState Empty { get; } = new([], []);

    /// <summary>Creates a state of <paramref name="cartridges"/> (prefix, in order) and <paramref name="adapters"/>.</summary>
    public LocalMemoryState(IReadOnlyList<KvCartridge> cartridges, IReadOnlyList<LoraAdapter> adapters)
    {
        ArgumentNullException.ThrowIfNull(cartridges);
        ArgumentNullException.ThrowIfNull(adapters);
        Cartridges = [.. cartridges];
        Adapters = [.. adapters];
        if (Cartridges.Count > 1)
        {
            KvCartridge.EnsureSameModel(Cartridges); // refused here, not at the first request
        }
        else if (Cartridges.Count == 1 && !Cartridges[0].IsRoot && !Cartridges[0].IsDetached)
        {
            // Imported alone, a link is a prefix with its start missing: every reply would follow an incomplete context.
            throw new ArgumentException("The cartridge is a link of a chain and lacks the entries before it; load the chain from its root.", nameof(cartridges));
        }
    }

    /// <summary>The activation memories: KV cartridges loaded before the prompt, in order.</summary>
    public IReadOnlyList<KvCartridge> Cartridges { get; }

    /// <summary>The parametric memories: LoRA adapters attached for the request.</summary>
    public IReadOnlyList<LoraAdapter> Adapters { get; }

    /// <summary>True when nothing is loaded.</summary>
    public bool IsEmpty => Cartridges.Count == 0 && Adapters.Count == 0;

    /// <summary>The cartridges as one prefix for a model of <paramref name="model"/> (null when there are none); composed once.</summary>
    /// <exception cref="ArgumentException">The cartridges hold more entries than the model's context.</exception>
    internal KvCartridge? PrefixFor(LlamaConfig model)
    {
        // Checked before composing: a prefix past the context cannot be loaded (the cache has SeqLen slots), whatever the prompt.
        long entries = Cartridges.Sum(c => (long)c.Count);
        if (entries > model.SeqLen)
        {
            string parts = Cartridges.Count == 1 ? string.Empty : $" ({string.Join(" + ", Cartridges.Select(c => c.Count))})";
            throw new ArgumentException($"the memory state's cartridges hold {entries} entries{parts}, more than the model's context of {model.SeqLen}; load fewer or smaller cartridges, or the model with a larger context.");
        }

        if (Cartridges.Count < 2)
        {
            return Cartridges.Count == 0 ? null : Cartridges[0];
        }

        // One reference read and written whole, so concurrent requests see a matching pair (at worst both compose).
        var composed = Volatile.Read(ref prefix);
        if (composed is null || composed.Item1 != model)
        {
            composed = Tuple.Create(model, KvCartridge.Compose(Cartridges, model));
            Volatile.Write(ref prefix, composed);
        }

        return composed.Item2;
    }

    // The last composition and the configuration it rotated for (a state is usually used with one model).
    private Tuple<LlamaConfig, KvCartridge>? prefix;
}
