using System.Text.Json;

namespace AgentMem.Cli.Tests;

/// <summary><c>model generate</c> on stories260K from the shared data folder.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    [Fact]
    public async Task Greedy_200_steps_prints_exactly_llama2c_output()
    {
        // The documented command, `model generate --model ../shared/models/stories260K/stories260K.bin --tokenizer
        // ../shared/models/stories260K/tok512.bin --steps 200 --temperature 0` run from the repository root; the paths are
        // resolved from the root here because tests run elsewhere and must not change the process-wide working directory.
        var (code, output, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "200", "--temperature", "0");
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllTextAsync(Stories("stories260K.expected_t0_n200.txt")) + "\n", output);
    }

    [Fact]
    public async Task Greedy_200_steps_on_the_ilgpu_backend_prints_exactly_llama2c_output()
    {
        // Same command with --backend ilgpu: a CUDA GPU when present, else ILGPU's CPU accelerator (CI), named on stderr.
        var (code, output, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--steps", "200", "--temperature", "0", "--backend", "ilgpu");
        Assert.True(code == 0, err);
        Assert.Equal(await File.ReadAllTextAsync(Stories("stories260K.expected_t0_n200.txt")) + "\n", output);
        Assert.Contains("backend: ILGPU", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_backend_is_refused()
    {
        var (code, _, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--backend", "tpu");
        Assert.NotEqual(0, code);
        Assert.Contains("tpu", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompt_is_not_printed_and_json_reports_tokens()
    {
        var (code, output, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--prompt", "Once upon a time", "--steps", "12", "--temperature", "0", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        string text = doc.RootElement.GetProperty("text").GetString()!;
        Assert.StartsWith(", there was a little girl", text, StringComparison.Ordinal);
        Assert.Equal(12, doc.RootElement.GetProperty("tokens").GetArrayLength());
        Assert.Equal(5, doc.RootElement.GetProperty("promptTokens").GetInt32());
    }

    [Theory]
    [InlineData("--topp=-0.5")]
    [InlineData("--temperature=Infinity")]
    [InlineData("--context=8")] // the prompt is longer than the context
    public async Task Generate_refuses_what_the_sampler_or_the_context_cannot_take_as_a_user_error(string option)
    {
        var (code, _, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--prompt", "Once upon a time, there was a little girl named Lily.", "--steps", "4", option);
        Assert.True(code == 1, $"exit {code}: {err}");
        Assert.StartsWith("error:", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Unexpected error", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_model_file_is_a_clean_error()
    {
        string bad = Path.Combine(cli.Folder, "bad.bin");
        await File.WriteAllBytesAsync(bad, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", bad, "--tokenizer", Stories("tok512.bin"));
        Assert.Equal(1, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
        Assert.Contains("llama2.c", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mismatched_tokenizer_and_missing_file_are_clean_errors()
    {
        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", RepoPaths.File("..", "shared", "models", "llama2-tokenizer", "tokenizer.bin"));
        Assert.Equal(1, code);
        Assert.Contains("tokenizer", err, StringComparison.OrdinalIgnoreCase);

        (code, _, err) = await cli.RunAsync("model", "generate", "--model", Path.Combine(cli.Folder, "missing.bin"), "--tokenizer", Stories("tok512.bin"));
        Assert.Equal(1, code);
        Assert.Contains("missing.bin", err, StringComparison.Ordinal);
    }
}

/// <summary><c>model cartridge create|run</c> on stories260K.</summary>
public sealed class ModelCartridgeCommandTests : IDisposable
{
    private const string Text = "Once upon a time, there was a little girl named Lily.";

    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    private async Task<string> CreateAsync()
    {
        string textFile = Path.Combine(cli.Folder, "text.txt");
        await File.WriteAllTextAsync(textFile, Text);
        string cart = Path.Combine(cli.Folder, "story.amkv");
        var (code, output, err) = await cli.RunAsync(
            "model", "cartridge", "create", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--text-file", textFile, "--out", cart);
        Assert.True(code == 0, err);
        Assert.Contains("tokens", output, StringComparison.Ordinal);
        return cart;
    }

    [Fact]
    public async Task Model_cartridge_run_without_prompt_equals_generate_with_the_text()
    {
        string cart = await CreateAsync();
        var (code, fromCartridge, err) = await cli.RunAsync(
            "model", "cartridge", "run", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--cartridge", cart, "--steps", "60", "--temperature", "0");
        Assert.True(code == 0, err);
        (code, var direct, err) = await cli.RunAsync(
            "model", "generate", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--prompt", Text, "--steps", "60", "--temperature", "0");
        Assert.True(code == 0, err);
        Assert.Equal(direct, fromCartridge);
        Assert.True(fromCartridge.Length > 20, fromCartridge);
    }

    [Fact]
    public async Task Model_cartridge_run_with_sampling_and_prompt_is_reproducible_and_matches_token_count()
    {
        string cart = await CreateAsync();
        string[] args = ["model", "cartridge", "run", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--cartridge", cart, "--prompt", "She liked", "--steps", "20", "--temperature", "0.8", "--seed", "7", "--json"];
        var (code, first, err) = await cli.RunAsync(args);
        Assert.True(code == 0, err);
        (code, var second, err) = await cli.RunAsync(args);
        Assert.True(code == 0, err);
        Assert.Equal(first, second);
        using var doc = JsonDocument.Parse(first);
        int cartTokens = ModelHost.SentencePieceBpeTokenizer.Load(Stories("tok512.bin"), 512).Encode(Text).Length;
        int promptTokens = ModelHost.SentencePieceBpeTokenizer.Load(Stories("tok512.bin"), 512).EncodeContinuation("She liked").Length;
        Assert.Equal(cartTokens + promptTokens, doc.RootElement.GetProperty("promptTokens").GetInt32());
    }

    [Fact]
    public async Task Model_cartridge_corrupted_or_garbage_is_a_clean_error()
    {
        string cart = await CreateAsync();
        byte[] bytes = await File.ReadAllBytesAsync(cart);
        bytes[bytes.Length / 2] ^= 0x5A;
        string corrupt = Path.Combine(cli.Folder, "corrupt.amkv");
        await File.WriteAllBytesAsync(corrupt, bytes);
        var (code, _, err) = await cli.RunAsync(
            "model", "cartridge", "run", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--cartridge", corrupt, "--steps", "5");
        Assert.Equal(1, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
        Assert.Contains("checksum", err, StringComparison.Ordinal);

        string garbage = Path.Combine(cli.Folder, "garbage.amkv");
        await File.WriteAllTextAsync(garbage, "not a cartridge");
        (code, _, err) = await cli.RunAsync(
            "model", "cartridge", "run", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--cartridge", garbage, "--steps", "5");
        Assert.Equal(1, code);
        Assert.Contains("not a KV cartridge", err, StringComparison.Ordinal);
    }
}
