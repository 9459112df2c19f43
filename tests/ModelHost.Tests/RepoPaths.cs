namespace AgentMem.ModelHost.Tests;

/// <summary>Shared data and committed fixtures, found from the repository root (the folder holding AgentMem.sln).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;

    public static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts]));

    public static string Fixture(string name) => Path.Combine(Root, "tests", "ModelHost.Tests", "Fixtures", name);

    public static string StoriesModel => Shared("models", "stories260K", "stories260K.bin");

    public static string StoriesTokenizer => Shared("models", "stories260K", "tok512.bin");

    public static string StoriesExpected => Shared("models", "stories260K", "stories260K.expected_t0_n200.txt");

    public static string Llama2Tokenizer => Shared("models", "llama2-tokenizer", "tokenizer.bin");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentMem.sln not found above " + AppContext.BaseDirectory);
    }
}
