namespace AgentMem.Cli;

/// <summary>
/// <c>--mode hybrid|bm25|vector</c> on the verbs that rank memories (search, context): which of the composition's retrievers
/// ranks; left out, the default (hybrid).
/// </summary>
internal static class RetrieverOption
{
    /// <summary>A fresh option for one verb (System.CommandLine options belong to one command); <paramref name="use"/> says when the verb ranks, if not always.</summary>
    public static Option<string?> Create(string? use = null) => new("--mode")
    {
        Description = use is null ? "hybrid (default), bm25 or vector." : $"Retriever used {use}: hybrid (default), bm25 or vector.",
    };
}
