using System.Text.Json;
using AgentMem.ModelHost;
using AgentMem.ModelHost.Tests;

namespace AgentMem.Cli.Tests;

/// <summary><c>model</c> verbs on a Hugging Face folder (config.json, safetensors, tokenizer.json) that the test writes.</summary>
public sealed class HfModelFolderTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// A tiny LLaMA folder with a byte-level BPE tokenizer.json: the 256 byte symbols, 9 merges and BOS "&lt;s&gt;", as many
    /// tokens as the model's embedding rows; <paramref name="contextLength"/> overrides the tiny model's 32 positions.
    /// </summary>
    private string WriteFolder(int? contextLength = null)
    {
        var vocab = new Dictionary<string, int>();
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            // GPT-2's byte-to-symbol map: printable Latin-1 bytes stand for themselves, the rest for U+0100 onwards.
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            vocab[((char)(printable ? b : 256 + shifted++)).ToString()] = vocab.Count;
        }

        string[] merges = ["h e", "l l", "Ġ w", "o r", "l d", "he ll", "hell o", "Ġw or", "Ġwor ld"];
        foreach (string merge in merges)
        {
            vocab[merge.Replace(" ", string.Empty, StringComparison.Ordinal)] = vocab.Count;
        }

        var config = TinyHf.Config(tied: false) with { VocabSize = vocab.Count + 1 };
        config = config with { SeqLen = contextLength ?? config.SeqLen };
        string folder = TinyHf.WriteFolder(config, TinyHf.Weights(config, seed: 11), "llama", root: Path.Combine(cli.Folder, "tiny-hf"));
        var tokenizer = new
        {
            version = "1.0",
            added_tokens = new[] { new { id = vocab.Count, content = "<s>", single_word = false, lstrip = false, rstrip = false, normalized = false, special = true } },
            normalizer = (object?)null,
            pre_tokenizer = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true },
            post_processor = (object?)null,
            decoder = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            model = new { type = "BPE", dropout = (object?)null, unk_token = (object?)null, byte_fallback = false, vocab, merges },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{ "bos_token": "<s>" }""");
        return folder;
    }

    [Fact]
    public async Task Generate_from_a_folder_uses_its_tokenizer_json_and_matches_the_library()
    {
        string folder = WriteFolder();
        var (code, output, err) = await cli.RunAsync("model", "generate", "--model", folder, "--prompt", "hello world", "--steps", "8", "--temperature", "0", "--json");
        Assert.True(code == 0, err);

        int expectedVocab = LlamaModel.Load(folder).Config.VocabSize;
        var expected = new Generator(LlamaModel.Load(folder), ByteLevelBpeTokenizer.Load(Path.Combine(folder, "tokenizer.json")))
            .Generate("hello world", 8, new Sampler(expectedVocab, temperature: 0, topP: 0.9f, seed: 42));
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(expected.Tokens, doc.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(3, doc.RootElement.GetProperty("promptTokens").GetInt32()); // <s>, hello, Ġworld
        Assert.Equal(expected.Text, doc.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_context_is_the_checkpoints_at_most_8192_positions_unless_context_says_otherwise()
    {
        string folder = WriteFolder(contextLength: 131_072); // Llama 3.2's max_position_embeddings
        string tokenizer = Path.Combine(folder, "tokenizer.json");
        var model = Commands.ModelFlags.Load(folder, null, "--model", "--tokenizer").Model;
        Assert.Equal(Commands.ModelFlags.DefaultContext, model.Config.SeqLen);
        Assert.Equal(LlamaModel.Load(folder).GetFingerprint(), model.GetFingerprint()); // a smaller cache, the same model
        Assert.Equal(20_000, Commands.ModelFlags.Load(folder, tokenizer, "--model", "--tokenizer", context: 20_000).Model.Config.SeqLen);
        Assert.Equal(32, Commands.ModelFlags.Load(WriteFolder(), null, "--model", "--tokenizer").Model.Config.SeqLen); // a shorter one stays

        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", folder, "--prompt", "hello world", "--steps", "2", "--context", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("context is 2", err, StringComparison.Ordinal);
        (code, _, err) = await cli.RunAsync("model", "generate", "--model", folder, "--prompt", "hello world", "--context", "0");
        Assert.Equal(1, code);
        Assert.Contains("--context must be a positive number of positions; got 0", err, StringComparison.Ordinal);
        (code, _, err) = await cli.RunAsync("chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--model-context", "4", "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("--model-context applies to --local-model only", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cartridges_of_different_models_are_refused_before_any_model_loads()
    {
        string folder = WriteFolder();
        string text = Path.Combine(cli.Folder, "t.txt");
        await File.WriteAllTextAsync(text, "hello world");
        string hf = Path.Combine(cli.Folder, "hf.amkv"), stories = Path.Combine(cli.Folder, "stories.amkv");
        var (code, _, err) = await cli.RunAsync("model", "cartridge", "create", "--model", folder, "--text-file", text, "--out", hf);
        Assert.True(code == 0, err);
        (code, _, err) = await cli.RunAsync("model", "cartridge", "create", "--model", Stories("stories260K.bin"), "--tokenizer", Stories("tok512.bin"), "--text-file", text, "--out", stories);
        Assert.True(code == 0, err);

        // The --model named here does not exist: the refusal comes from the cartridges, before loading is tried.
        (code, _, err) = await cli.RunAsync("model", "cartridge", "run", "--model", Path.Combine(cli.Folder, "no-such-model"), "--cartridge", hf, "--cartridge", stories);
        Assert.Equal(1, code);
        Assert.Contains("different models", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_llama2c_checkpoint_without_tokenizer_and_a_folder_without_tokenizer_json_are_clean_errors()
    {
        string folder = WriteFolder();
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", folder);
        Assert.NotEqual(0, code);
        Assert.Contains("tokenizer.json", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync("model", "generate", "--model", Stories("stories260K.bin"));
        Assert.NotEqual(0, code);
        Assert.Contains("--tokenizer is needed", err, StringComparison.Ordinal);
    }

    private static string Stories(string name) => Path.GetFullPath(RepoPaths.File("..", "shared", "models", "stories260K", name));

    [Fact]
    public async Task A_folder_s_safetensors_file_given_as_the_model_is_told_to_pass_the_folder_not_to_add_a_tokenizer()
    {
        // The file's fix is its folder: asking for --tokenizer first sent the user after a tokenizer.bin that would not help.
        string folder = WriteFolder();
        var (code, _, err) = await cli.RunAsync("model", "generate", "--model", Path.Combine(folder, "model.safetensors"));
        Assert.NotEqual(0, code);
        Assert.Contains("pass the model's folder", err, StringComparison.Ordinal);
        Assert.DoesNotContain("--tokenizer", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_on_a_folder_renders_the_prompt_in_the_chat_format_its_tokenizer_config_names_unless_told_otherwise()
    {
        // Byte-level tokens: the agent's instructions and the turn take a few hundred positions.
        string folder = WriteFolder(contextLength: 2048);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """
            { "bos_token": "<s>", "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}" }
            """);

        var turn = await cli.JsonAsync("chat", "--local-model", folder, "--message", "hello world");
        Assert.Equal("chatml", turn.GetProperty("chatTemplate").GetString());

        turn = await cli.JsonAsync("chat", "--local-model", folder, "--chat-template", "plain", "--message", "hello world");
        Assert.Equal("plain", turn.GetProperty("chatTemplate").GetString());

        var (code, _, err) = await cli.RunAsync("chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--chat-template", "chatml", "--message", "hi");
        Assert.Equal(1, code);
        Assert.Contains("--chat-template applies to --local-model only", err, StringComparison.Ordinal);

        (code, _, err) = await cli.RunAsync("chat", "--local-model", folder, "--chat-template", "vicuna", "--message", "hi");
        Assert.NotEqual(0, code);
        Assert.Contains("vicuna", err, StringComparison.Ordinal);
    }
}
