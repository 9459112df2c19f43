namespace AgentMem.Benchmarks.Datasets;

/// <summary>Entry point that picks a loader by dataset kind name.</summary>
public static class DatasetLoader
{
    /// <summary>
    /// Known dataset kinds: <c>locomo</c>, <c>longmemeval</c>, <c>convomem</c>, and <c>longchat</c> (the generated set of
    /// long technical conversations, read from the LoCoMo-format file <see cref="Synthetic.LocomoJsonWriter"/> writes).
    /// </summary>
    public static IReadOnlyList<string> Kinds { get; } = [LocomoLoader.Kind, LongMemEvalLoader.Kind, ConvoMemLoader.Kind, Synthetic.LongChatGenerator.Kind];

    /// <summary>Loads a dataset, blocking until done.</summary>
    /// <param name="kind">One of <see cref="Kinds"/> (case-insensitive).</param>
    /// <param name="path">Dataset file (or, for ConvoMem, file or directory).</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is unknown.</exception>
    /// <exception cref="DatasetFormatException">The data is malformed.</exception>
    public static BenchmarkDataset Load(string kind, string path) => Normalize(kind) switch
    {
        LocomoLoader.Kind => LocomoLoader.Load(path),
        LongMemEvalLoader.Kind => LongMemEvalLoader.Load(path),
        Synthetic.LongChatGenerator.Kind => LocomoLoader.Load(path) with { Name = Synthetic.LongChatGenerator.Kind },
        _ => ConvoMemLoader.Load(path),
    };

    /// <summary>Loads a dataset asynchronously.</summary>
    /// <param name="kind">One of <see cref="Kinds"/> (case-insensitive).</param>
    /// <param name="path">Dataset file (or, for ConvoMem, file or directory).</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The dataset.</returns>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is unknown.</exception>
    /// <exception cref="DatasetFormatException">The data is malformed.</exception>
    public static Task<BenchmarkDataset> LoadAsync(string kind, string path, CancellationToken cancellationToken = default) =>
        Normalize(kind) switch
        {
            LocomoLoader.Kind => LocomoLoader.LoadAsync(path, cancellationToken),
            LongMemEvalLoader.Kind => LongMemEvalLoader.LoadAsync(path, cancellationToken),
            Synthetic.LongChatGenerator.Kind => LoadLongChatAsync(path, cancellationToken),
            _ => ConvoMemLoader.LoadAsync(path, cancellationToken),
        };

    /// <summary>SHA-256 of a dataset source, identical to <see cref="BenchmarkDataset.Sha256"/> after loading it.</summary>
    /// <param name="path">Dataset file or directory.</param>
    /// <returns>64 lower-case hex digits.</returns>
    public static string ComputeSha256(string path) => DatasetHash.ComputeSha256(path);

    private static async Task<BenchmarkDataset> LoadLongChatAsync(string path, CancellationToken cancellationToken) =>
        (await LocomoLoader.LoadAsync(path, cancellationToken).ConfigureAwait(false)) with { Name = Synthetic.LongChatGenerator.Kind };

    private static string Normalize(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        string normalized = kind.Trim().ToLowerInvariant();
        return Kinds.Contains(normalized)
            ? normalized
            : throw new ArgumentException($"Unknown dataset kind '{kind}'; expected one of: {string.Join(", ", Kinds)}.", nameof(kind));
    }
}
