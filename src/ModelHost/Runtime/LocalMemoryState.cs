namespace AgentMem.ModelHost;

/// <summary>
/// Memory a <see cref="LocalChatClient"/> loads into the model before the prompt: activation memory as KV cartridges (their
/// entries are imported into the cache, so their tokens are not read again) and parametric memory as LoRA adapters (attached
/// with <see cref="LlamaModel.WithAdapters"/>).
/// </summary>
/// <remarks>
/// Several cartridges are composed in order (<see cref="KvCartridge.Compose"/>): exact when they form a chain, an approximation
/// otherwise. Cartridges are made by the model without adapters and are imported as they are, so with adapters attached the
/// prefix keeps the plain model's keys and values while the prompt and reply run through the adapted model.
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
        Prefix = Cartridges.Count switch
        {
            0 => null,
            1 => Cartridges[0],
            _ => KvCartridge.Compose(Cartridges),
        };
    }

    /// <summary>The activation memories: KV cartridges loaded before the prompt, in order.</summary>
    public IReadOnlyList<KvCartridge> Cartridges { get; }

    /// <summary>The parametric memories: LoRA adapters attached for the request.</summary>
    public IReadOnlyList<LoraAdapter> Adapters { get; }

    /// <summary>True when nothing is loaded.</summary>
    public bool IsEmpty => Cartridges.Count == 0 && Adapters.Count == 0;

    /// <summary>The cartridges as one prefix (null when there are none).</summary>
    internal KvCartridge? Prefix { get; }
}
