namespace AgentMem.ModelHost.Tests;

/// <summary><see cref="Generator.CreateCartridge"/> and <see cref="Generator.Resume"/> against a direct prefill.</summary>
public sealed class ResumeTests
{
    private static readonly Lazy<LlamaModel> Model = new(() => LlamaModel.Load(RepoPaths.StoriesModel));
    private static readonly Lazy<SentencePieceBpeTokenizer> Tokenizer = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));

    [Fact]
    public void Resume_without_prompt_equals_Generate_on_the_text_and_survives_save_load()
    {
        var generator = new Generator(Model.Value, Tokenizer.Value);
        const string text = "Tom and his dog went to the park.";
        var cartridge = generator.CreateCartridge(text, Model.Value.CreateCache());
        Assert.Equal(Tokenizer.Value.Encode(text), cartridge.Tokens);
        using var stream = new MemoryStream();
        cartridge.WriteTo(stream);
        var loaded = KvCartridge.Read(stream.ToArray());
        var resumed = generator.Resume(loaded, string.Empty, 50, new Sampler(512, 0.8f, 0.9f, 99), Model.Value.CreateCache());
        var direct = generator.Generate(text, 50, new Sampler(512, 0.8f, 0.9f, 99));
        Assert.Equal(direct.Text, resumed.Text);
        Assert.Equal(direct.Tokens, resumed.Tokens);
    }

    [Fact]
    public void Resume_with_prompt_matches_token_level_continuation()
    {
        var generator = new Generator(Model.Value, Tokenizer.Value);
        var cartridge = generator.CreateCartridge("Tom was happy.", Model.Value.CreateCache());
        var resumed = generator.Resume(cartridge, " He ran", 30, new Sampler(512, 0f), Model.Value.CreateCache());

        int[] history = [.. Tokenizer.Value.Encode("Tom was happy."), .. Tokenizer.Value.Encode("He ran", bos: false)];
        var cache = Model.Value.CreateCache();
        for (int pos = 0; pos < history.Length - 1; pos++)
        {
            Model.Value.Forward(history[pos], pos, cache);
        }

        var direct = generator.Continue(history, history.Length - 1, 30, new Sampler(512, 0f), cache);
        Assert.Equal(history, resumed.PromptTokens);
        Assert.Equal(direct.Tokens, resumed.Tokens);
    }

    [Theory]
    [InlineData("Once upon a time", ", there was")]
    [InlineData("Once upon a time", " there was")]
    [InlineData("Tom said", "\"hi\"")]
    public void A_prompt_continues_the_cartridges_text_as_written(string text, string prompt)
    {
        // The prompt was encoded as a new sequence, after SentencePiece's dummy-prefix space: ", there" read "time , there"
        // and " there" "time  there", so no spelling of a prompt starting with punctuation, a quote or a space gave the
        // joined text. Now it continues the text as written: where no token spans the join, resuming equals generating.
        var generator = new Generator(Model.Value, Tokenizer.Value);
        var cartridge = generator.CreateCartridge(text, Model.Value.CreateCache());
        var resumed = generator.Resume(cartridge, prompt, 30, new Sampler(512, 0f), Model.Value.CreateCache());
        var joined = generator.Generate(text + prompt, 30, new Sampler(512, 0f));
        Assert.Equal(joined.PromptTokens, resumed.PromptTokens);
        Assert.Equal(joined.Text, resumed.Text);
    }
}
