using System.Text.Json;
using AgentMem.ModelHost;

namespace AgentMem.Cli.Tests;

/// <summary><c>model cartridge create --base|run (several)|inspect|compress|promote|run --memory</c> on stories260K.</summary>
public sealed class CartridgeCommandTests : IDisposable
{
    private const string First = "Once upon a time, there was a little girl named Lily. She loved to play in the park.";
    private const string Second = "One day she found a small cat under a tree.";

    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    private static string[] ModelArgs => ["--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin")];

    private async Task<string> CreateAsync(string name, string text, params string[] extra)
    {
        string textFile = Path.Combine(cli.Folder, name + ".txt");
        await File.WriteAllTextAsync(textFile, text);
        string cart = Path.Combine(cli.Folder, name + ".amkv");
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", "create", .. ModelArgs, "--text-file", textFile, "--out", cart, .. extra]);
        Assert.True(code == 0, err);
        return cart;
    }

    [Fact]
    public async Task A_chain_runs_exactly_like_the_root_with_the_link_text_as_prompt()
    {
        string root = await CreateAsync("root", First);
        string link = await CreateAsync("link", Second, "--base", root);

        var chained = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", root, "--cartridge", link, "--steps", "30", "--temperature", "0"]);
        Assert.True(chained.GetProperty("exact").GetBoolean());
        // The link's tokens are the prompt's tokens (no BOS; a link's text starts a new word, a prompt continues the text as
        // written, so it takes the space), so the chain must decode as the root followed by that prompt.
        var prompted = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", root, "--prompt", " " + Second, "--steps", "30", "--temperature", "0"]);
        Assert.Equal(prompted.GetProperty("text").GetString(), chained.GetProperty("text").GetString());
        Assert.Equal(prompted.GetProperty("promptTokens").GetInt32(), chained.GetProperty("promptTokens").GetInt32());

        var inspect = await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", link);
        Assert.Equal(3, inspect.GetProperty("version").GetInt32());
        Assert.False(inspect.GetProperty("root").GetBoolean());
        Assert.Equal("adjacent pairs (llama2.c)", inspect.GetProperty("rope").GetString());
        var rootInfo = await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", root);
        Assert.Equal(rootInfo.GetProperty("id").GetString(), inspect.GetProperty("baseId").GetString());
        Assert.Equal(rootInfo.GetProperty("nextPosition").GetInt32(), inspect.GetProperty("firstPosition").GetInt32());

        var (code, text, err) = await cli.RunAsync("model", "cartridge", "inspect", "--cartridge", link);
        Assert.True(code == 0, err);
        Assert.Contains("link on " + rootInfo.GetProperty("id").GetString(), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Independent_cartridges_compose_with_a_notice_and_a_broken_chain_is_refused_at_create()
    {
        string a = await CreateAsync("a", First);
        string b = await CreateAsync("b", Second);
        var (code, output, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", a, "--cartridge", b, "--steps", "10", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.Contains("approximate", err, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(output));

        string c = await CreateAsync("c", Second, "--base", a);
        string textFile = Path.Combine(cli.Folder, "d.txt");
        await File.WriteAllTextAsync(textFile, "The end.");
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "create", .. ModelArgs, "--text-file", textFile, "--out", Path.Combine(cli.Folder, "d.amkv"), "--base", c]);
        Assert.Equal(1, code);
        Assert.Contains("chain", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--steps", "5"]);
        Assert.Equal(1, code);
        Assert.Contains("--cartridge", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_detached_cartridge_alone_runs_as_approximate_and_a_link_alone_is_refused()
    {
        string a = await CreateAsync("a", First);
        string b = await CreateAsync("b", Second);
        string link = await CreateAsync("link", Second, "--base", a);

        // Composed from independent cartridges and saved: one file, but re-based, so only layer 0 is exact.
        string detached = Path.Combine(cli.Folder, "detached.amkv");
        KvCartridge.Compose(KvCartridge.Load(a), KvCartridge.Load(b)).Save(detached);
        var run = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", detached, "--steps", "5", "--temperature", "0"]);
        Assert.False(run.GetProperty("exact").GetBoolean());
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", detached, "--steps", "5", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.Contains("approximate", err, StringComparison.Ordinal);

        // A link alone lacks its root's entries.
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", link, "--steps", "5"]);
        Assert.Equal(1, code);
        Assert.Contains("link", err, StringComparison.Ordinal);
        Assert.Contains("root", err, StringComparison.Ordinal);
        Assert.DoesNotContain("approximate", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compress_writes_a_smaller_cartridge_that_runs_and_reports_quality()
    {
        string textFile = Path.Combine(cli.Folder, "long.txt");
        await File.WriteAllTextAsync(textFile, string.Join(" ", Enumerable.Repeat(First + " " + Second, 3)));
        string full = await CreateAsync("full", await File.ReadAllTextAsync(textFile));
        string small = Path.Combine(cli.Folder, "small.amkv");
        var result = await cli.JsonAsync(["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "40", "--out", small, "--eval-steps", "16"]);
        Assert.Equal(40, result.GetProperty("kept").GetInt32());
        Assert.Equal(new FileInfo(small).Length, result.GetProperty("bytes").GetInt64());
        Assert.Equal(new FileInfo(full).Length, result.GetProperty("fullBytes").GetInt64());
        Assert.True(new FileInfo(small).Length < new FileInfo(full).Length / 2);
        var quality = result.GetProperty("quality");
        Assert.Equal(16, quality.GetProperty("steps").GetInt32());
        Assert.InRange(quality.GetProperty("top1Agreement").GetDouble(), 0, 1);

        var inspect = await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", small);
        Assert.False(inspect.GetProperty("contiguous").GetBoolean());
        var (code, output, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", small, "--steps", "10", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.False(string.IsNullOrWhiteSpace(output));

        (code, _, err) = await cli.RunAsync(["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "10", "--method", "h2o"]);
        Assert.Equal(1, code);
        Assert.Contains("Budget", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compressed_cartridge_and_a_link_made_on_it_run_as_approximate_and_inspect_says_so()
    {
        // A compressed cartridge is a root, so run reported "exact": true with no notice, though its output is not that of
        // generate on its text; a link made on it with --base passed as exact too.
        string textFile = Path.Combine(cli.Folder, "long.txt");
        await File.WriteAllTextAsync(textFile, string.Join(" ", Enumerable.Repeat(First + " " + Second, 3)));
        string small = Path.Combine(cli.Folder, "small.amkv");
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "40", "--out", small, "--eval-steps", "0"]);
        Assert.True(code == 0, err);

        var run = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", small, "--steps", "5", "--temperature", "0"]);
        Assert.False(run.GetProperty("exact").GetBoolean());
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", small, "--steps", "5", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.Contains("approximate", err, StringComparison.Ordinal);
        Assert.Contains("compressed", err, StringComparison.Ordinal);

        var inspect = await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", small);
        Assert.True(inspect.GetProperty("root").GetBoolean());
        Assert.True(inspect.GetProperty("compressed").GetBoolean());
        string text;
        (code, text, err) = await cli.RunAsync("model", "cartridge", "inspect", "--cartridge", small);
        Assert.True(code == 0, err);
        Assert.Contains("root, compressed", text, StringComparison.Ordinal);
        Assert.DoesNotContain("root (computed from BOS)", text, StringComparison.Ordinal);

        string link = await CreateAsync("link", Second, "--base", small);
        var chained = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", small, "--cartridge", link, "--steps", "5", "--temperature", "0"]);
        Assert.False(chained.GetProperty("exact").GetBoolean());
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", small, "--cartridge", link, "--steps", "5", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.Contains("approximate", err, StringComparison.Ordinal);

        // An uncompressed root stays exact and says nothing.
        string full = await CreateAsync("full", First);
        Assert.False((await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", full)).GetProperty("compressed").GetBoolean());
        Assert.True((await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", full, "--steps", "5", "--temperature", "0"])).GetProperty("exact").GetBoolean());
    }

    [Fact]
    public async Task Compress_measures_the_quality_of_the_cartridge_it_writes()
    {
        // The measured cache was a second compression of all but the last token (another vote window, one entry more), not
        // the written file. Measured here the way a run of the file decodes: its entries but the last, then the last token.
        string textFile = Path.Combine(cli.Folder, "long.txt");
        string longText = string.Join(" ", Enumerable.Repeat(First + " " + Second, 3));
        await File.WriteAllTextAsync(textFile, longText);
        string small = Path.Combine(cli.Folder, "small.amkv");
        var result = await cli.JsonAsync(["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "24", "--sinks", "4", "--window", "8", "--out", small, "--eval-steps", "16"]);
        var quality = result.GetProperty("quality");

        using var model = LlamaModel.Load(Stories("stories260K.bin"));
        var written = KvCartridge.Load(small);
        var tokens = KvCartridge.Load(await CreateAsync("full", longText)).Tokens;
        Assert.Equal(tokens.Count - 1, written.Positions[^1]);
        KvCache Reference()
        {
            var cache = model.CreateCache();
            for (int p = 0; p < tokens.Count - 1; p++)
            {
                model.Forward(tokens[p], p, cache);
            }

            return cache;
        }

        KvCache WrittenButLast()
        {
            var cache = model.CreateCache();
            written.ImportInto(model, cache);
            cache.Compact([.. Enumerable.Range(0, written.Count - 1)]); // the window keeps position n - 2 before the last
            return cache;
        }

        var expected = CacheComparison.Compare(model, Reference, WrittenButLast, tokens[^1], 16);
        Assert.Equal(expected.Steps, quality.GetProperty("steps").GetInt32());
        Assert.Equal(expected.MeanKl, quality.GetProperty("meanKl").GetDouble(), 12);
        Assert.Equal(expected.Top1Agreement, quality.GetProperty("top1Agreement").GetDouble(), 12);
        Assert.Equal(expected.CandidatePerplexity, quality.GetProperty("candidatePerplexity").GetDouble(), 12);
    }

    [Fact]
    public async Task Compress_of_a_text_that_fills_the_context_measures_the_one_step_that_fits()
    {
        string textFile = Path.Combine(cli.Folder, "long.txt");
        await File.WriteAllTextAsync(textFile, string.Join(" ", Enumerable.Repeat(First + " " + Second, 3)));
        int tokens = (await cli.JsonAsync(["model", "cartridge", "compress", .. ModelArgs, "--text-file", textFile, "--budget", "40", "--eval-steps", "0"])).GetProperty("tokens").GetInt32();

        // The text takes the whole context: the last token is fed at the last position, so one step of quality fits.
        string small = Path.Combine(cli.Folder, "small.amkv");
        var result = await cli.JsonAsync(["model", "cartridge", "compress", .. ModelArgs, "--context", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture), "--text-file", textFile, "--budget", "40", "--out", small, "--eval-steps", "16"]);
        Assert.Equal(tokens, result.GetProperty("tokens").GetInt32());
        Assert.Equal(1, result.GetProperty("quality").GetProperty("steps").GetInt32());
        Assert.True(File.Exists(small));
    }

    [Fact]
    public async Task Promote_makes_an_activation_memory_that_run_accepts_by_id_and_an_edit_invalidates_it()
    {
        var first = await cli.JsonAsync("add", First);
        await cli.JsonAsync("add", Second);
        string dir = Path.Combine(cli.Folder, "carts");
        var promoted = await cli.JsonAsync(["model", "cartridge", "promote", .. ModelArgs, "--top", "2", "--dir", dir]);
        Assert.True(promoted.GetProperty("built").GetBoolean());
        string id = promoted.GetProperty("id").GetString()!;
        Assert.Equal(2, promoted.GetProperty("sources").GetArrayLength());
        Assert.StartsWith("hot: the 2 most recalled memories", promoted.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir, "*.amkv"));

        var viaMemory = await cli.JsonAsync(["model", "cartridge", "run", .. ModelArgs, "--memory", id, "--steps", "20", "--temperature", "0"]);
        var viaGenerate = await cli.JsonAsync(["model", "generate", .. ModelArgs, "--prompt", First + "\n" + Second, "--steps", "20", "--temperature", "0"]);
        Assert.Equal(viaGenerate.GetProperty("text").GetString(), viaMemory.GetProperty("text").GetString());

        var again = await cli.JsonAsync(["model", "cartridge", "promote", .. ModelArgs, "--top", "2", "--dir", dir]);
        Assert.False(again.GetProperty("built").GetBoolean());
        Assert.Equal(id, again.GetProperty("id").GetString());

        var (code, _, err) = await cli.RunAsync("update", first.GetProperty("id").GetString()!, "Once upon a time there was a boy.");
        Assert.True(code == 0, err);
        var rebuilt = await cli.JsonAsync(["model", "cartridge", "promote", .. ModelArgs, "--top", "2", "--dir", dir]);
        Assert.True(rebuilt.GetProperty("built").GetBoolean());
        Assert.Equal(id, rebuilt.GetProperty("invalidated")[0].GetProperty("id").GetString());
        Assert.Contains("changed", rebuilt.GetProperty("invalidated")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--memory", id, "--steps", "5"]);
        Assert.Equal(1, code);
        Assert.Contains("Archived", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_without_dir_writes_into_the_databases_payload_folder_which_a_purge_empties()
    {
        // The default was cartridges/ in the working directory, whatever the database; a purge deletes a cartridge only in
        // the database's own payload folder (another database may name a file elsewhere), so the default lies in it.
        var first = await cli.JsonAsync("add", First);
        await cli.JsonAsync("add", Second);
        var promoted = await cli.JsonAsync(["model", "cartridge", "promote", .. ModelArgs, "--top", "2"]);
        string file = new Uri(promoted.GetProperty("file").GetString()!).LocalPath;
        Assert.StartsWith(Path.Combine(cli.DbPath + ".payloads", "cartridges") + Path.DirectorySeparatorChar, file, StringComparison.Ordinal);
        Assert.True(File.Exists(file));

        var (code, _, err) = await cli.RunAsync("delete", first.GetProperty("id").GetString()!, "--purge");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(file));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("compress")]
    [InlineData("train")]
    public async Task An_out_file_in_a_folder_that_does_not_exist_yet_is_written_there(string verb)
    {
        // The folder was needed only when the cartridge was saved: the prefill, compression or training ran, then the
        // command failed and its result was lost.
        string textFile = Path.Combine(cli.Folder, "text.txt");
        await File.WriteAllTextAsync(textFile, First + " " + Second);
        string cart = Path.Combine(cli.Folder, "new", "deeper", "c.amkv");
        string[] extra = verb switch
        {
            "compress" => ["--budget", "20", "--eval-steps", "0"],
            "train" => ["--tokens", "6", "--steps", "2", "--seq-len", "12"],
            _ => [],
        };
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", verb, .. ModelArgs, "--text-file", textFile, "--out", cart, .. extra]);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(cart));
        Assert.Equal(0, (await cli.RunAsync("model", "cartridge", "inspect", "--cartridge", cart)).Code);
    }

    [Theory]
    [InlineData("create", "")]
    [InlineData("compress", " ")]
    [InlineData("train", "")]
    public async Task A_blank_out_is_refused_before_the_model_loads(string verb, string path)
    {
        // The save refused it with an ArgumentException after the work, reported as an unexpected error (exit 2).
        string textFile = Path.Combine(cli.Folder, "text.txt");
        await File.WriteAllTextAsync(textFile, First);
        string[] extra = verb switch
        {
            "compress" => ["--budget", "20"],
            "train" => ["--tokens", "6", "--steps", "2", "--seq-len", "12"],
            _ => [],
        };
        var (code, _, err) = await cli.RunAsync(["model", "cartridge", verb, .. ModelArgs, "--text-file", textFile, "--out", path, .. extra]);
        Assert.Equal(1, code);
        Assert.StartsWith("error: --out needs a file name", err, StringComparison.Ordinal);
        Assert.DoesNotContain("step", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_writes_a_trained_cartridge_that_inspect_marks_and_run_loads_and_refuses_bad_sizes()
    {
        string textFile = Path.Combine(cli.Folder, "corpus.txt");
        await File.WriteAllTextAsync(textFile, First + " " + Second);
        string trained = Path.Combine(cli.Folder, "trained.amkv");
        var result = await cli.JsonAsync(["model", "cartridge", "train", .. ModelArgs, "--text-file", textFile, "--tokens", "8", "--steps", "3", "--seq-len", "12", "--seed", "7", "--out", trained]);
        Assert.Equal(8, result.GetProperty("entries").GetInt32());
        Assert.True(result.GetProperty("trained").GetBoolean());

        var inspect = await cli.JsonAsync("model", "cartridge", "inspect", "--cartridge", trained);
        Assert.True(inspect.GetProperty("trained").GetBoolean());
        Assert.Equal("3", inspect.GetProperty("recipe").GetProperty("steps").GetString());
        Assert.Equal("7", inspect.GetProperty("recipe").GetProperty("seed").GetString());
        var (code, output, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", trained, "--steps", "10", "--temperature", "0"]);
        Assert.True(code == 0, err);
        Assert.False(string.IsNullOrWhiteSpace(output));

        // Two trained cartridges compose like any others.
        string again = Path.Combine(cli.Folder, "again.amkv");
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "train", .. ModelArgs, "--text-file", textFile, "--tokens", "6", "--steps", "2", "--seq-len", "12", "--out", again]);
        Assert.True(code == 0, err);
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "run", .. ModelArgs, "--cartridge", trained, "--cartridge", again, "--steps", "5", "--temperature", "0"]);
        Assert.True(code == 0, err);

        (code, _, err) = await cli.RunAsync(["model", "cartridge", "train", .. ModelArgs, "--text-file", textFile, "--tokens", "500", "--steps", "2", "--out", again]);
        Assert.Equal(1, code);
        Assert.Contains("shorter", err, StringComparison.Ordinal);
        (code, _, err) = await cli.RunAsync(["model", "cartridge", "train", .. ModelArgs, "--text-file", textFile, "--tokens", "1", "--out", again]);
        Assert.Equal(1, code);
        Assert.Contains("PrefixTokens", err, StringComparison.Ordinal);
    }
}
