using System.Text.Json;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Cli.Tests;

/// <summary><c>context --tokenizer</c>: the budget is spent in the chosen tokenizer's tokens, counted again here with the library.</summary>
public sealed class ContextTokenizerTests : IDisposable
{
    private const int Budget = 200;
    private const string Query = "where did Ann fly";

    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>More than the budget holds, in scripts where o200k and cl100k count differently (Hindi, Japanese, emoji).</summary>
    private async Task AddTurnsAsync()
    {
        for (int i = 0; i < 16; i++)
        {
            var (code, _, err) = await cli.RunAsync("add", $"Day {i}: Ann flew to 東京 and wrote 'नमस्ते दुनिया, आप कैसे हैं?' in travel log #{i} 🎉", "--session", $"s{i % 4}", "--actor", "Ann");
            Assert.True(code == 0, err);
        }
    }

    [Theory]
    [InlineData(null, "o200k_base")]
    [InlineData("cl100k", "cl100k_base")]
    [InlineData("o200k", "o200k_base")]
    public async Task The_context_fits_its_budget_in_the_chosen_tokenizers_tokens_and_names_it(string? spec, string name)
    {
        await AddTurnsAsync();
        string[] choice = spec is null ? [] : ["--tokenizer", spec];
        var built = await cli.JsonAsync(["context", Query, "--budget", $"{Budget}", .. choice]);
        Assert.StartsWith(name, built.GetProperty("tokenizer").GetString(), StringComparison.Ordinal);
        Assert.False(built.GetProperty("complete").GetBoolean());
        Assert.True(built.GetProperty("memories").GetInt32() >= 2);

        string text = built.GetProperty("text").GetString()!;
        int exact = TokenCounters.Create(spec ?? "o200k").CountTokens(text);
        Assert.Equal(exact, built.GetProperty("tokens").GetInt32());
        Assert.InRange(exact, 1, Budget);

        // The two vocabularies disagree on this text, so which one counted matters.
        Assert.NotEqual(TokenCounters.Create("o200k").CountTokens(text), TokenCounters.Create("cl100k").CountTokens(text));

        var (code, _, err) = await cli.RunAsync(["context", Query, "--budget", $"{Budget}", .. choice]);
        Assert.Equal(0, code);
        Assert.Contains($"{exact} tokens by {name}", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_byte_level_bpe_tokenizer_json_folder_counts_with_the_model_hosts_reader()
    {
        await AddTurnsAsync();
        string folder = Path.Combine(cli.Folder, "byte-level");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "tokenizer.json");
        await File.WriteAllTextAsync(path, ByteLevelTokenizerJson());

        // Nearly a token per UTF-8 byte: a budget that holds a few of these memories.
        const int budget = 600;
        var built = await cli.JsonAsync("context", Query, "--budget", $"{budget}", "--tokenizer", folder);
        Assert.StartsWith("byte-level BPE", built.GetProperty("tokenizer").GetString(), StringComparison.Ordinal);
        string text = built.GetProperty("text").GetString()!;
        int exact = ByteLevelBpeTokenizer.Load(path).CountTokens(text);
        Assert.Equal(exact, built.GetProperty("tokens").GetInt32());
        Assert.InRange(exact, 1, budget);
        Assert.False(built.GetProperty("complete").GetBoolean());
        Assert.True(built.GetProperty("memories").GetInt32() >= 2);

        // A vocabulary of bytes and three merges spends far more tokens on the same text than o200k.
        Assert.True(exact > 2 * TokenCounters.Create("o200k").CountTokens(text), $"{exact} byte-level tokens");
    }

    [Fact]
    public async Task A_bad_spec_is_one_line_and_exit_1()
    {
        string empty = Path.Combine(cli.Folder, "empty");
        Directory.CreateDirectory(empty);
        string broken = Path.Combine(cli.Folder, "broken");
        Directory.CreateDirectory(broken);
        await File.WriteAllTextAsync(Path.Combine(broken, "tokenizer.json"), "{not json");
        foreach (var (spec, says) in new[] { ("gpt5", "Unknown tokenizer 'gpt5'"), (empty, "holds no tokenizer.json or vocab.txt"), (broken, "not valid JSON") })
        {
            var (code, output, err) = await cli.RunAsync("context", Query, "--tokenizer", spec);
            Assert.Equal(1, code);
            Assert.Equal(string.Empty, output);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.StartsWith("error: --tokenizer: ", err, StringComparison.Ordinal);
            Assert.Contains(says, err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("15")]
    [InlineData("2000000")]
    public async Task A_budget_out_of_range_is_one_line_naming_the_flag(string budget)
    {
        // The options' own message came through verbatim: "TokenBudget ('-1') must be ... (Parameter 'TokenBudget')" and a second line.
        var (code, output, err) = await cli.RunAsync("context", Query, "--budget", budget);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.StartsWith("error: --budget ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("TokenBudget", err, StringComparison.Ordinal);
    }

    /// <summary>A GPT-2-style tokenizer.json: the 256 bytes in GPT-2's byte-to-character alphabet and three merges.</summary>
    private static string ByteLevelTokenizerJson()
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            vocab[((char)(printable ? b : 256 + shifted++)).ToString()] = b;
        }

        string[] merges = ["A n", "Ġ f", "Ġf l"];
        foreach (string merge in merges)
        {
            vocab[merge.Replace(" ", string.Empty, StringComparison.Ordinal)] = vocab.Count;
        }

        return JsonSerializer.Serialize(new
        {
            version = "1.0",
            added_tokens = Array.Empty<object>(),
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            model = new { type = "BPE", vocab, merges },
        });
    }
}
