namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>Paths of shared data and committed fixtures, found from the repository root (the folder holding AgentMem.sln).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepoRoot => Root.Value;

    /// <summary>The shared MiniLM tokenizer folder (../shared relative to the repo root; never copied into the repo).</summary>
    public static string MiniLmTokenizer => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "models", "all-MiniLM-L6-v2-tokenizer"));

    /// <summary>The committed tiny-BERT fixture (read in place from the source tree).</summary>
    public static string TinyBertFixture => Path.Combine(RepoRoot, "tests", "Retrieval.Tests", "Embeddings", "Fixtures", "tiny-bert");

    public static string ReferenceScript => Path.Combine(RepoRoot, "tests", "Retrieval.Tests", "Embeddings", "Fixtures", "bert_reference.py");

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentMem.sln not found above " + AppContext.BaseDirectory);
    }
}
