namespace AgentMem.TestSupport;

/// <summary>
/// Shared data (<c>../shared</c>, never copied into the repository) and committed fixtures, found from the repository
/// root: the folder holding <c>AgentMem.sln</c> above the test binaries.
/// </summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    /// <summary>The repository root.</summary>
    public static string Root => RootLazy.Value;

    /// <summary>A path inside the repository.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path inside <c>../shared</c>.</summary>
    public static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts]));

    /// <summary>The shared datasets folder.</summary>
    public static string Datasets => Shared("datasets");

    /// <summary>LoCoMo's ten conversations.</summary>
    public static string Locomo => Shared("datasets", "locomo", "locomo10.json");

    /// <summary>Two LongMemEval questions in the official schema.</summary>
    public static string LongMemEvalSample => Shared("datasets", "longmemeval", "longmemeval_sample2.json");

    /// <summary>The ConvoMem folder.</summary>
    public static string ConvoMemDirectory => Shared("datasets", "convomem");

    /// <summary>The ConvoMem test case.</summary>
    public static string ConvoMemFile => Path.Combine(ConvoMemDirectory, "convomem_schema_locomo_category_3_reasoning_dataset_0.json");

    /// <summary>The stories260K checkpoint (llama2.c format).</summary>
    public static string StoriesModel => Shared("models", "stories260K", "stories260K.bin");

    /// <summary>stories260K's 512-token tokenizer.</summary>
    public static string StoriesTokenizer => Shared("models", "stories260K", "tok512.bin");

    /// <summary>The exact greedy output of stories260K from BOS.</summary>
    public static string StoriesExpected => Shared("models", "stories260K", "stories260K.expected_t0_n200.txt");

    /// <summary>The 32k LLaMA 2 SentencePiece tokenizer.</summary>
    public static string Llama2Tokenizer => Shared("models", "llama2-tokenizer", "tokenizer.bin");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "AgentMem.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AgentMem.sln not found above " + AppContext.BaseDirectory);
    }
}
