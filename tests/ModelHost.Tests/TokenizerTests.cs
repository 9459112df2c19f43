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

    [Fact]
    public void Decode_prints_nothing_for_the_control_tokens_while_DecodePiece_keeps_llama2c_output()
    {
        // ITokenizer.Decode promises that special tokens print nothing, but EOS printed "\n</s>\n" and UNK "<unk>".
        ITokenizer t = Tok512.Value;
        Assert.Equal(t.Decode([300, 301]), t.Decode([300, 2, 0, 301]));
        Assert.DoesNotContain("</s>", t.Decode([300, 2, 301]), StringComparison.Ordinal);
        Assert.Equal([true, true, true, false], new[] { 0, 1, 2, 300 }.Select(t.IsSpecial));

        // DecodePiece is run.c's stream, which Generator prints byte for byte: EOS and UNK keep their pieces there.
        Assert.Equal("\n</s>\n", System.Text.Encoding.UTF8.GetString(t.DecodePiece(300, 2)));
        Assert.Equal("<unk>", System.Text.Encoding.UTF8.GetString(t.DecodePiece(300, 0)));
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
    public void Encode_matches_the_llama2c_rescan_merge_loop_on_random_text()
    {
        // The tokenizer merges through a priority queue; the reference below is llama2.c's loop as this class ran it before
        // (rescan every adjacent pair per merge, strictly greater score wins, so the leftmost on ties). Same ids, always.
        string[] samples =
        [
            "Once upon a time, there was a little girl named Lily.",
            "Lily's mom said, \"Lily, let's go to the park.\"\nShe was sad.",
            "Ünïcödé, 日本語 and emoji 🙂 survive byte fallback",
            "  two leading spaces and trailing  ",
            "Hello world",
            "ψ€𝔘",
            File.ReadAllText(RepoPaths.StoriesExpected),
        ];
        var random = new Random(20240611);
        var inputs = new List<string>(samples) { string.Empty };
        for (int i = 0; i < 200; i++)
        {
            inputs.Add(RandomText(random, random.Next(1, 300)));
        }

        foreach (var t in new[] { Tok512.Value, Llama2.Value })
        {
            var lookup = ReferenceLookup(t);
            foreach (string text in inputs)
            {
                Assert.Equal(ReferenceEncode(t, lookup, text), t.Encode(text));
            }
        }
    }

    private static readonly string[] Words =
    [
        "the", "The", "a", "once", "Once", "upon", "time", "little", "girl", "named", "Lily", "Tim", "park", "happy", "sad",
        "said", "mom", "dog", "ball", "play", "played", "playing", "tokenizer", "memory", "cartridge", "Caroline", "Melanie",
        "support", "group", "yesterday", "powerful", "ing", "ed", "un", "re", "tion", "aaaa", "eeee", "ll", "ss", "aaaaaaaaaaa", "lalalalala",
    ];

    private static readonly string[] Others =
    [
        ".", ",", "!", "?", "'", "\"", ";", ":", "-", "--", "(", ")", "[", "]", "...", "........", "/", "&", "#", "@", "*",
        " ", "  ", "   ", "\t", "\n", "\n\n", " \n ", "\r\n",
        "0", "1", "7", "42", "2024", "3.14", "100000",
        "é", "Ünïcödé", "naïve", "façade", "Straße", "ψ", "€", "日本語", "中文", "한국어", "🙂", "🎉", "👍🏽", "𝔘", "\u00a0", "\u2581",
    ];

    /// <summary>Mixed text: mostly words, with punctuation, whitespace runs, digits and non-ASCII (accents, CJK, emoji → byte fallback).</summary>
    private static string RandomText(Random random, int length)
    {
        var sb = new System.Text.StringBuilder(length + 16);
        while (sb.Length < length)
        {
            int kind = random.Next(10);
            if (kind < 5)
            {
                if (sb.Length > 0 && random.Next(4) != 0)
                {
                    sb.Append(' ');
                }

                sb.Append(Words[random.Next(Words.Length)]);
            }
            else if (kind < 9)
            {
                sb.Append(Others[random.Next(Others.Length)]);
            }
            else
            {
                sb.Append((char)random.Next(0x20, 0x7F)); // any printable ASCII
            }
        }

        return sb.ToString();
    }

    private static Dictionary<string, int> ReferenceLookup(SentencePieceBpeTokenizer t)
    {
        var lookup = new Dictionary<string, int>(t.VocabSize, StringComparer.Ordinal);
        for (int i = 0; i < t.VocabSize; i++)
        {
            lookup.TryAdd(System.Text.Encoding.Latin1.GetString(t.Piece(i)), i);
        }

        return lookup;
    }

    /// <summary>The quadratic llama2.c encode (with BOS, without EOS): the reference the priority-queue merge must equal.</summary>
    private static int[] ReferenceEncode(SentencePieceBpeTokenizer t, Dictionary<string, int> lookup, string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var tokens = new List<int> { SentencePieceBpeTokenizer.Bos };
        if (bytes.Length > 0 && lookup.TryGetValue(" ", out int space))
        {
            tokens.Add(space);
        }

        int start = 0;
        while (start < bytes.Length)
        {
            int end = start + 1;
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80 && end - start < 4)
            {
                end++;
            }

            if (lookup.TryGetValue(System.Text.Encoding.Latin1.GetString(bytes, start, end - start), out int id))
            {
                tokens.Add(id);
            }
            else
            {
                for (int i = start; i < end; i++)
                {
                    tokens.Add(bytes[i] + 3);
                }
            }

            start = end;
        }

        while (true)
        {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i < tokens.Count - 1; i++)
            {
                string pair = System.Text.Encoding.Latin1.GetString([.. t.Piece(tokens[i]), .. t.Piece(tokens[i + 1])]);
                if (lookup.TryGetValue(pair, out int id) && t.Score(id) > bestScore)
                {
                    bestScore = t.Score(id);
                    bestId = id;
                    bestIndex = i;
                }
            }

            if (bestIndex < 0)
            {
                return [.. tokens];
            }

            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
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
