namespace AgentMem.Cli.Tests;

/// <summary>
/// A file a verb writes (<c>--out</c>) that is a file of the <c>--db</c> database (the SQLite file, its write-ahead log,
/// shared-memory or journal file) or lies inside its index folder is refused before any work, links followed: the save
/// renames its file over the target, and <c>export --out</c> naming the database replaced every cube with one cube's export,
/// exit 0.
/// </summary>
public sealed class OutputOverDatabaseTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    private static string[] ModelArgs => ["--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin")];

    [Fact]
    public async Task An_export_over_the_database_or_its_files_is_refused_and_the_database_keeps_every_memory()
    {
        Assert.Equal(0, (await cli.RunAsync("add", "Maya moved to Lisbon in 2024")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "Bob likes green tea")).Code);
        string index = cli.DbPath + ".index";

        foreach (string target in new[] { cli.DbPath, cli.DbPath + "-wal", cli.DbPath + "-journal", Path.Combine(index, "default.jsonl"), index })
        {
            var (code, output, err) = await cli.RunAsync("export", "--out", target);
            Assert.True(code == 1, $"{target}: exit {code}: {output}{err}");
            string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"error: --out '{target}' is ", line, StringComparison.Ordinal);
            Assert.Contains(cli.DbPath, line, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(index, "default.jsonl")));
        var list = await cli.JsonAsync("list");
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // symbolic links are what this checks
    public async Task An_export_through_a_link_to_the_database_or_its_folder_is_refused()
    {
        Assert.Equal(0, (await cli.RunAsync("add", "Maya moved to Lisbon in 2024")).Code);
        string fileLink = Path.Combine(cli.Folder, "backup.jsonl");
        File.CreateSymbolicLink(fileLink, cli.DbPath);
        using var elsewhere = new TempFolder("cli-link");
        string folderLink = Path.Combine(elsewhere.Path, "data");
        Directory.CreateSymbolicLink(folderLink, cli.Folder);

        foreach (string target in new[] { fileLink, Path.Combine(folderLink, Path.GetFileName(cli.DbPath)) })
        {
            var (code, output, err) = await cli.RunAsync("export", "--out", target);
            Assert.True(code == 1, $"{target}: exit {code}: {output}{err}");
            Assert.Contains("is a file of the database", err, StringComparison.Ordinal);
        }

        Assert.Single((await cli.JsonAsync("list")).GetProperty("items").EnumerateArray());
        Assert.Equal(0, (await cli.RunAsync("export", "--out", Path.Combine(folderLink, "default.jsonl"))).Code); // beside it is fine
    }

    [Theory]
    [InlineData("dataset")]
    [InlineData("create")]
    [InlineData("compress")]
    [InlineData("train")]
    [InlineData("adapter")]
    public async Task Every_verb_that_writes_a_named_file_refuses_the_database_before_its_work(string verb)
    {
        Assert.Equal(0, (await cli.RunAsync("add", "Maya moved to Lisbon in 2024")).Code);
        string textFile = Path.Combine(cli.Folder, "text.txt");
        await File.WriteAllTextAsync(textFile, "Once upon a time, there was a little girl named Lily. She loved to play in the park.");
        string[] args = verb switch
        {
            "dataset" => ["dataset", "longchat", "--conversations", "1"],
            "create" => ["model", "cartridge", "create", .. ModelArgs, "--text-file", textFile],
            "compress" => ["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "20", "--eval-steps", "0"],
            "train" => ["model", "cartridge", "train", .. ModelArgs, "--text-file", textFile, "--tokens", "6", "--steps", "2", "--seq-len", "12"],
            _ => ["model", "adapter", "train", .. ModelArgs, "--text-file", textFile, "--steps", "2", "--rank", "1", "--seq-len", "8"],
        };
        byte[] before = await File.ReadAllBytesAsync(cli.DbPath);

        var (code, output, err) = await cli.RunAsync([.. args, "--out", cli.DbPath]);

        Assert.True(code == 1, $"exit {code}: {output}{err}");
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: --out '{cli.DbPath}' is a file of the database", line, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(cli.DbPath));
    }

    [Theory]
    [InlineData("--json")]
    [InlineData("--rerank-features")]
    [InlineData("--report")]
    [InlineData("workload")]
    [InlineData("ann")]
    public async Task A_bench_result_over_the_database_is_refused_before_the_run(string option)
    {
        // bench --json agentmem.db replaced the default database once the run was over.
        Assert.Equal(0, (await cli.RunAsync("add", "Maya moved to Lisbon in 2024")).Code);
        string locomo = Path.GetFullPath(RepoPaths.File("..", "shared", "datasets", "locomo", "locomo10.json"));
        string sift = Path.GetFullPath(RepoPaths.File("..", "shared", "ann", "siftsmall"));
        string[] args = option switch
        {
            "workload" => ["bench", "workload", "--json", cli.DbPath],
            "ann" => ["bench", "ann", "--base", Path.Combine(sift, "siftsmall_base.fvecs"), "--query", Path.Combine(sift, "siftsmall_query.fvecs"), "--gt", Path.Combine(sift, "siftsmall_groundtruth.ivecs"), "--json", cli.DbPath],
            "--report" => ["bench", "locomo", locomo, "--conversations", "1", "--report", cli.DbPath + ".index"], // its files would land in the index folder
            _ => ["bench", "locomo", locomo, "--conversations", "1", option, cli.DbPath],
        };
        byte[] before = await File.ReadAllBytesAsync(cli.DbPath);

        var (code, output, err) = await cli.RunAsync(args);

        Assert.True(code == 1, $"exit {code}: {output}{err}");
        Assert.Contains(option == "--report" ? "is inside the index folder" : "is a file of the database", err, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(cli.DbPath));
    }
}
