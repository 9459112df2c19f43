namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>Paths of shared data and committed fixtures, found from the repository root (the folder holding AgentMem.sln).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepoRoot => Root.Value;

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
