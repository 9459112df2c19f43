using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Embeddings.Tokenization;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>
/// Tokenizer tests against the shared all-MiniLM-L6-v2 tokenizer (bert-base-uncased vocabulary).
/// Every expected id below was derived by hand from ../shared/models/all-MiniLM-L6-v2-tokenizer/vocab.txt
/// as (line number − 1), e.g. <c>grep -nxF hello vocab.txt</c> → 7593 → id 7592.
/// </summary>
public sealed class WordPieceTokenizerTests
{
    // vocab.txt line − 1: [PAD] 1→0, [UNK] 101→100, [CLS] 102→101, [SEP] 103→102.
    private const int Pad = 0, Unk = 100, Cls = 101, Sep = 102;

    private static readonly Lazy<WordPieceTokenizer> FromVocab = new(() => WordPieceTokenizer.FromVocabFile(Path.Combine(RepoPaths.MiniLmTokenizer, "vocab.txt")));
    private static readonly Lazy<WordPieceTokenizer> FromJson = new(() => WordPieceTokenizer.FromTokenizerJson(Path.Combine(RepoPaths.MiniLmTokenizer, "tokenizer.json")));

    public static TheoryData<string> Loaders => ["vocab", "json"];

    private static WordPieceTokenizer Get(string loader) => loader == "vocab" ? FromVocab.Value : FromJson.Value;

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Hello_world_is_cls_hello_world_sep(string loader)
    {
        // hello: line 7593 → 7592; world: line 2089 → 2088.
        Assert.Equal([Cls, 7592, 2088, Sep], Get(loader).EncodeToIds("Hello world"));
        Assert.Equal([7592, 2088], Get(loader).EncodeToIds("hello   WORLD", addSpecialTokens: false));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Unaffable_is_split_greedily_longest_first(string loader)
    {
        // The textbook "un ##aff ##able" is for another vocabulary: this one has no "##aff" and does have "una",
        // so greedy longest-match gives una (line 14478 → 14477), ##ffa (20962 → 20961), ##ble (3469 → 3468).
        WordPieceTokenizer tok = Get(loader);
        Assert.Equal(["una", "##ffa", "##ble"], tok.EncodeToTokens("unaffable", addSpecialTokens: false));
        Assert.Equal([14477, 20961, 3468], tok.EncodeToIds("unaffable", addSpecialTokens: false));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Punctuation_is_split_into_its_own_tokens(string loader)
    {
        // hello 7592, "," line 1011 → 1010, world 2088, "!" line 1000 → 999, "?" line 1030 → 1029, "@" line 1031 → 1030.
        Assert.Equal([Cls, 7592, 1010, 2088, 999, 1029, 1030, Sep], Get(loader).EncodeToIds("hello,world!?@"));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Accents_are_stripped_and_case_folded(string loader)
    {
        // cafe: line 7669 → 7668; "café" itself is not in the vocabulary.
        Assert.Equal([Cls, 7668, Sep], Get(loader).EncodeToIds("Café"));
        Assert.Equal(Get(loader).EncodeToIds("CAFE"), Get(loader).EncodeToIds("café"));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Cjk_ideographs_become_one_token_each(string loader)
    {
        // 東: line 1880 → 1879; 京: line 1756 → 1755.
        Assert.Equal([Cls, 1879, 1755, Sep], Get(loader).EncodeToIds("東京"));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Unknown_characters_and_overlong_words_become_unk(string loader)
    {
        // ☃ and 🙂 are not in vocab.txt (grep finds no line); a 101-letter word exceeds max_input_chars_per_word.
        WordPieceTokenizer tok = Get(loader);
        Assert.Equal([Cls, 7592, Unk, Unk, 2088, Sep], tok.EncodeToIds("hello ☃ 🙂 world"));
        Assert.Equal([Cls, Unk, Sep], tok.EncodeToIds(new string('a', 101)));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Control_characters_are_dropped_and_whitespace_unified(string loader)
    {
        Assert.Equal([Cls, 7592, 2088, Sep], Get(loader).EncodeToIds("\u0001hel\u200Blo\u00A0\tworld\r\n"));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Truncation_keeps_cls_and_sep(string loader)
    {
        WordPieceTokenizer tok = Get(loader);
        Assert.Equal([Cls, 7592, Sep], tok.EncodeToIds("hello world hello world", maxLength: 3));
        Assert.Equal([7592, 2088, 7592], tok.EncodeToIds("hello world hello world", addSpecialTokens: false, maxLength: 3));
        // Truncation can cut inside a word's pieces (as HF does): una ##ffa | ##ble.
        Assert.Equal([Cls, 14477, 20961, Sep], tok.EncodeToIds("unaffable", maxLength: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.EncodeToIds("hello", maxLength: 1));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Count_and_empty_text(string loader)
    {
        WordPieceTokenizer tok = Get(loader);
        Assert.Equal(5, tok.CountTokens("unaffable"));
        Assert.Equal(3, tok.CountTokens("unaffable", addSpecialTokens: false));
        Assert.Equal([Cls, Sep], tok.EncodeToIds(""));
        Assert.Empty(tok.EncodeToIds("  \t ", addSpecialTokens: false));
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Decode_round_trips_normalised_text(string loader)
    {
        WordPieceTokenizer tok = Get(loader);
        const string Text = "hello, world! unaffable memory agents aren't café 東京?";
        IReadOnlyList<int> ids = tok.EncodeToIds(Text);
        Assert.Equal("hello, world! unaffable memory agents aren't cafe 東 京?", tok.Decode(ids));
        Assert.Equal("[CLS] hello [SEP]", tok.Decode([Cls, 7592, Sep], skipSpecialTokens: false));
        Assert.Equal("hello [UNK]", tok.Decode([Cls, 7592, Unk, Sep, Pad]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([999_999]));
    }

    [Fact]
    public void Both_loaders_give_the_same_ids_on_a_mixed_corpus()
    {
        string[] texts =
        [
            "The quick brown fox jumps over the lazy dog.",
            "Caroline went to an LGBTQ support group on 7 May 2023 — she said it was \"life-changing\"!",
            "naïve résumé façade Ångström",
            "東京タワー 서울 北京市",
            "emails: a.b@example.com, prices $3.50 + 20% off; (x^2) ~ y",
            new string('z', 150) + " ok",
        ];
        foreach (string text in texts)
        {
            Assert.Equal(FromVocab.Value.EncodeToIds(text), FromJson.Value.EncodeToIds(text));
        }

        Assert.Equal(30522, FromJson.Value.VocabularySize);
        Assert.Equal(30522, FromVocab.Value.VocabularySize);
    }

    [Theory]
    [MemberData(nameof(Loaders))]
    public void Special_tokens_in_the_text_are_kept_whole(string loader)
    {
        // [MASK]: line 104 → 103. Matched before normalisation, so "[mask]" (lower case) is ordinary text: "[" (line 1032 → 1031), "mask" (line 7309 → 7308), "]" (line 1034 → 1033).
        WordPieceTokenizer tok = Get(loader);
        Assert.Equal([Cls, Cls, 7592, 103, Sep], tok.EncodeToIds("[CLS] hello[MASK]"));
        Assert.Equal([Cls, 1031, 7308, 1033, Sep], tok.EncodeToIds("[mask]"));
        Assert.Equal([Cls, 7592, Sep], tok.EncodeToIds("hello[SEP]world", maxLength: 3));
    }

    [Fact]
    public void Lower_casing_can_be_turned_off()
    {
        WordPieceTokenizer cased = WordPieceTokenizer.FromVocabFile(Path.Combine(RepoPaths.MiniLmTokenizer, "vocab.txt"), lowercase: false);
        // "Hello" is not in the uncased vocabulary: greedy pieces or [UNK], but never the id of "hello".
        Assert.DoesNotContain(7592, cased.EncodeToIds("Hello"));
        Assert.Equal([Cls, 7592, Sep], cased.EncodeToIds("hello"));
    }

    [Fact]
    public void Missing_or_bad_files_are_model_format_errors()
    {
        string dir = Directory.CreateTempSubdirectory("agentmem-tok-").FullName;
        try
        {
            Assert.Throws<ModelFormatException>(() => WordPieceTokenizer.FromVocabFile(Path.Combine(dir, "vocab.txt")));
            string bad = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(bad, "{ not json");
            Assert.Throws<ModelFormatException>(() => WordPieceTokenizer.FromTokenizerJson(bad));
            File.WriteAllText(bad, """{"model":{"type":"BPE","vocab":{}}}""");
            Assert.Contains("BPE", Assert.Throws<ModelFormatException>(() => WordPieceTokenizer.FromTokenizerJson(bad)).Message, StringComparison.Ordinal);
            string noUnk = Path.Combine(dir, "vocab.txt");
            File.WriteAllLines(noUnk, ["[PAD]", "[CLS]", "[SEP]", "hello"]);
            Assert.Contains("[UNK]", Assert.Throws<ModelFormatException>(() => WordPieceTokenizer.FromVocabFile(noUnk)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
