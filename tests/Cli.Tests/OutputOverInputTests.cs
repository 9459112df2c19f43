using AgentMem.ModelHost.Tests;

namespace AgentMem.Cli.Tests;

/// <summary>
/// A file a verb writes (<c>--out</c>, <c>--json</c>) that is one of the files the verb reads (its model checkpoint or a file of
/// its model folder, its tokenizer, its text, a base cartridge, a dataset) is refused before any work, links followed: the save
/// renames its file over the target, so <c>adapter train --out stories260K.bin</c> replaced the checkpoint the adapter is bound
/// to with the adapter, read-only or not, and exited 0.
/// </summary>
public sealed class OutputOverInputTests : IDisposable
{
    private readonly CliRunner cli = new();

    public OutputOverInputTests()
    {
        // Copies: a check that failed would replace them, and the shared model must survive a failing run of this test.
        Model = CopyReadOnly("stories260K.bin");
        Tokenizer = CopyReadOnly("tok512.bin");
        TextFile = Path.Combine(cli.Folder, "text.txt");
        File.WriteAllText(TextFile, "Once upon a time, there was a little girl named Lily. She loved to play in the park.");
    }

    private string Model { get; }

    private string Tokenizer { get; }

    private string TextFile { get; }

    private string[] ModelArgs => ["--model", Model, "--tokenizer", Tokenizer];

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("adapter", "--text-file")]
    [InlineData("adapter", "--model")]
    [InlineData("adapter", "--tokenizer")]
    [InlineData("create", "--text-file")]
    [InlineData("create", "--tokenizer")]
    [InlineData("compress", "--model")]
    [InlineData("train", "--text-file")]
    public async Task An_output_over_a_file_the_verb_reads_is_refused_and_the_file_kept(string verb, string input)
    {
        string[] args = verb switch
        {
            "adapter" => ["model", "adapter", "train", .. ModelArgs, "--text-file", TextFile, "--steps", "2", "--rank", "1", "--seq-len", "8"],
            "create" => ["model", "cartridge", "create", .. ModelArgs, "--text-file", TextFile],
            "compress" => ["model", "cartridge", "compress", .. ModelArgs, "--text-file", TextFile, "--budget", "20", "--eval-steps", "0"],
            _ => ["model", "cartridge", "train", .. ModelArgs, "--text-file", TextFile, "--tokens", "6", "--steps", "2", "--seq-len", "12"],
        };
        string target = input switch
        {
            "--model" => Model,
            "--tokenizer" => Tokenizer,
            _ => TextFile,
        };

        await AssertRefusedAsync([.. args, "--out", target], "--out", target, $"is the {input} file this command reads");
    }

    [Fact]
    public async Task A_base_cartridge_of_the_chain_is_not_replaced_by_its_link()
    {
        string root = Path.Combine(cli.Folder, "root.cart");
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", "create", .. ModelArgs, "--text-file", TextFile, "--out", root]);
        Assert.True(code == 0, err);

        await AssertRefusedAsync(["model", "cartridge", "create", .. ModelArgs, "--text-file", TextFile, "--base", root, "--out", root], "--out", root, "is the --base file this command reads");
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // symbolic links are what this checks
    public async Task An_output_through_a_link_to_an_input_is_refused()
    {
        string link = Path.Combine(cli.Folder, "adapter.amlora");
        File.CreateSymbolicLink(link, TextFile);

        await AssertRefusedAsync(["model", "adapter", "train", .. ModelArgs, "--text-file", TextFile, "--steps", "2", "--rank", "1", "--seq-len", "8", "--out", link], "--out", link, "is the --text-file file this command reads");
    }

    [Fact]
    public async Task A_file_of_the_model_folder_is_refused()
    {
        var config = TinyHf.Config(tied: false);
        string folder = TinyHf.WriteFolder(config, TinyHf.Weights(config, seed: 3), "llama", root: Path.Combine(cli.Folder, "tiny-hf"));
        string weights = Assert.Single(Directory.GetFiles(folder, "*.safetensors"));
        string[] args = ["model", "adapter", "train", "--model", folder, "--tokenizer", Tokenizer, "--text-file", TextFile, "--steps", "2", "--rank", "1", "--seq-len", "8"];

        await AssertRefusedAsync([.. args, "--out", weights], "--out", weights, "is a file of the --model folder this command reads");
    }

    [Theory]
    [InlineData("ann")]
    [InlineData("locomo")]
    public async Task A_bench_result_over_its_dataset_is_refused_before_the_run(string bench)
    {
        // Copies, as above: a run whose check failed would write its result over them.
        string sift = Path.GetFullPath(RepoPaths.File("..", "shared", "ann", "siftsmall"));
        string truth = Path.Combine(cli.Folder, "gt.ivecs");
        File.Copy(Path.Combine(sift, "siftsmall_groundtruth.ivecs"), truth);
        string locomo = Path.Combine(cli.Folder, "locomo10.json");
        File.Copy(RepoPaths.File("..", "shared", "datasets", "locomo", "locomo10.json"), locomo);
        (string[] args, string target, string expected) = bench == "ann"
            ? ((string[])["bench", "ann", "--base", Path.Combine(sift, "siftsmall_base.fvecs"), "--query", Path.Combine(sift, "siftsmall_query.fvecs"), "--gt", truth, "--json", truth], truth, "is the --gt file this command reads")
            : (["bench", "locomo", locomo, "--conversations", "1", "--limit", "1", "--json", locomo], locomo, "is the dataset file this command reads");

        await AssertRefusedAsync(args, "--json", target, expected);
    }

    private async Task AssertRefusedAsync(string[] args, string option, string target, string expected)
    {
        byte[] before = await File.ReadAllBytesAsync(target); // through a link, its target's

        var (code, output, err) = await cli.RunAsync(args);

        Assert.True(code == 1, $"exit {code}: {output}{err}");
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {option} '{target}' {expected}", line, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(target));
    }

    private string CopyReadOnly(string name)
    {
        string copy = Path.Combine(cli.Folder, name);
        File.Copy(RepoPaths.File("..", "shared", "models", "stories260K", name), copy);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead); // 0444
        }

        return copy;
    }
}
