using AgentMem.Common;

namespace AgentMem.ModelHost.Tests;

/// <summary>llama2.c tokenizer.bin: loading, llama2.c-compatible encode/decode, and refusal of bad files.</summary>
public sealed class TokenizerTests
{
    private static readonly Lazy<SentencePieceBpeTokenizer> Tok512 = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 512));
    private static readonly Lazy<SentencePieceBpeTokenizer> Llama2 = new(() => SentencePieceBpeTokenizer.Load(RepoPaths.Llama2Tokenizer, 32000));

    [Fact]
    public void Llama2_known_ids()
    {
        var t = Llama2.Value;
        // Reference ids of Meta's LLaMA 2 SentencePiece model ("▁Hello" = 15043, "▁world" = 3186).
        Assert.Equal(new[] { 1, 15043, 3186 }, t.Encode("Hello world"));
        Assert.Equal(new[] { 15043, 3186 }, t.EncodeToIds("Hello world"));
        Assert.Equal(new[] { 1 }, t.Encode(string.Empty));
        Assert.Equal(new[] { 1, 15043, 3186, 2 }, t.Encode("Hello world", eos: true));
        Assert.Equal(2, t.CountTokens("Hello world"));
        Assert.Equal("<0x0A>", System.Text.Encoding.UTF8.GetString(t.Piece(13)));
        // ▁ (29871), ψ and € are pieces; '𝔘' is not: four byte-fallback tokens (F0 9D 94 98, each + 3).
        Assert.Equal(new[] { 1, 29871, 30559, 30181, 0xF0 + 3, 0x9D + 3, 0x94 + 3, 0x98 + 3 }, t.Encode("ψ€𝔘"));
    }

    [Fact]
    public void Tok512_layout_and_byte_fallback()
    {
        var t = Tok512.Value;
        Assert.Equal(512, t.VocabSize);
        Assert.Equal("<0x00>", System.Text.Encoding.UTF8.GetString(t.Piece(3)));
        Assert.Equal("<0xFF>", System.Text.Encoding.UTF8.GetString(t.Piece(258)));
        // 'ψ' (CF 88) is not a piece of the 512: it falls back to its two bytes, each id = byte + 3, after the dummy-prefix space (410).
        int[] ids = t.EncodeToIds("ψ");
        Assert.Equal(new[] { 410, 0xCF + 3, 0x88 + 3 }, ids);
        Assert.Equal("ψ", t.Decode([1, .. ids]));
        Assert.Equal(new[] { 1, 403, 407, 261, 378 }, t.Encode("Once upon a time"));
    }

    [Theory]
    [InlineData("Once upon a time, there was a little girl named Lily.")]
    [InlineData("Lily's mom said, \"Lily, let's go to the park.\"\nShe was sad.")]
    [InlineData("Ünïcödé, 日本語 and emoji 🙂 survive byte fallback")]
    [InlineData("  two leading spaces and trailing  ")]
    public void Round_trips(string text)
    {
        foreach (var t in new[] { Tok512.Value, Llama2.Value })
        {
            int[] ids = t.Encode(text);
            Assert.Equal(1, ids[0]);
            // llama2.c drops the dummy-prefix space after BOS, so decoding gives the text back exactly.
            Assert.Equal(text, t.Decode(ids));
        }
    }

    [Fact]
    public void Merging_shortens_text_and_llama2_is_finer_than_tok512_never_longer()
    {
        const string text = "Once upon a time, there was a little girl named Lily.";
        int small = Tok512.Value.CountTokens(text);
        int large = Llama2.Value.CountTokens(text);
        Assert.True(small < text.Length, $"{small}");
        Assert.True(large <= small, $"{large} vs {small}");
        // LLaMA 2 ids: ▁Once ▁upon ▁a ▁time , ▁there ▁was ▁a ▁little ▁girl ▁named ▁L ily .
        Assert.Equal(new[] { 1, 9038, 2501, 263, 931, 29892, 727, 471, 263, 2217, 7826, 4257, 365, 2354, 29889 }, Llama2.Value.Encode(text));
    }

    [Fact]
    public void Decode_piece_follows_llama2c()
    {
        var t = Llama2.Value;
        Assert.Equal("Hello"u8.ToArray(), t.DecodePiece(1, 15043).ToArray());
        Assert.Equal(" Hello"u8.ToArray(), t.DecodePiece(3186, 15043).ToArray());
        Assert.Equal(new byte[] { 10 }, t.DecodePiece(15043, 13).ToArray());
    }

    [Fact]
    public void Wrong_vocab_size_and_truncation_are_refused()
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-modelhost-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Assert.Throws<ModelFormatException>(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 500));
            Assert.Throws<ModelFormatException>(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesTokenizer, 600));
            byte[] bytes = File.ReadAllBytes(RepoPaths.StoriesTokenizer);
            string path = Path.Combine(folder, "t.bin");
            File.WriteAllBytes(path, bytes[..^3]);
            Assert.Throws<ModelFormatException>(() => SentencePieceBpeTokenizer.Load(path, 512));
            File.WriteAllBytes(path, [1, 2]);
            Assert.Throws<ModelFormatException>(() => SentencePieceBpeTokenizer.Load(path, 512));
            Assert.Throws<ModelFormatException>(() => SentencePieceBpeTokenizer.Load(RepoPaths.StoriesModel, 512));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
