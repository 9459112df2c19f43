namespace AgentMem.Benchmarks.Tests;

/// <summary>Locates the repository and the shared datasets next to it (never copied into the repo).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>The shared datasets folder, <c>../shared/datasets</c> from the repo root.</summary>
    public static string Datasets => Path.GetFullPath(Path.Combine(Root, "..", "shared", "datasets"));

    public static string Locomo => Path.Combine(Datasets, "locomo", "locomo10.json");

    public static string LongMemEvalSample => Path.Combine(Datasets, "longmemeval", "longmemeval_sample2.json");

    public static string ConvoMemDirectory => Path.Combine(Datasets, "convomem");

    public static string ConvoMemFile => Path.Combine(ConvoMemDirectory, "convomem_schema_locomo_category_3_reasoning_dataset_0.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")) || File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    }
}
