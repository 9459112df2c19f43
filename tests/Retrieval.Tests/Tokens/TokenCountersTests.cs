using AgentMem.Common;
using AgentMem.MemoryCore.Text;
using AgentMem.Retrieval.Tokens;

namespace AgentMem.Retrieval.Tests.Tokens;

public sealed class TokenCountersTests
{
    private static string MiniLm => RepoPaths.Shared("models", "all-MiniLM-L6-v2-tokenizer");

    [Fact]
    public void Tiktoken_specs_count_exactly_and_name_themselves()
    {
        var o200k = TokenCounters.Create(null);
        Assert.Same(o200k, TokenCounters.Create("O200K"));
        Assert.Same(o200k, TokenCounters.Create("o200k_base"));
        Assert.True(o200k.IsExact);
        Assert.StartsWith("o200k_base", o200k.Name, StringComparison.Ordinal);
        var cl100k = TokenCounters.Create("cl100k");
        Assert.StartsWith("cl100k_base", cl100k.Name, StringComparison.Ordinal);

        // Published tiktoken encodings: "hello world" is [24912, 2375] in o200k_base and [15339, 1917] in cl100k_base.
        Assert.Equal(2, o200k.CountTokens("hello world"));
        Assert.Equal(2, cl100k.CountTokens("hello world"));
        Assert.Equal(0, o200k.CountTokens(string.Empty));

        // The two vocabularies differ where o200k's larger multilingual vocabulary merges more.
        string hindi = "नमस्ते दुनिया, आप कैसे हैं?";
        Assert.True(o200k.CountTokens(hindi) < cl100k.CountTokens(hindi));
        Assert.Same(HeuristicTokenCounter.Instance, TokenCounters.Create("heuristic"));
    }

    [Fact]
    public void A_wordpiece_folder_counts_the_texts_own_pieces_from_vocab_txt_or_tokenizer_json()
    {
        var fromVocab = TokenCounters.Create(MiniLm);
        Assert.True(fromVocab.IsExact);
        Assert.StartsWith("wordpiece", fromVocab.Name, StringComparison.Ordinal);
        Assert.Equal(2, fromVocab.CountTokens("hello world")); // no [CLS]/[SEP]
        Assert.Equal(5, fromVocab.CountTokens("Unbelievably")); // un ##bel ##ie ##va ##bly (wordpiece_reference.py agrees)

        string folder = Path.Combine(Path.GetTempPath(), "agentmem-wp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(MiniLm, "tokenizer.json"), Path.Combine(folder, "tokenizer.json"));
            var fromJson = TokenCounters.Create(folder);
            foreach (string turn in LocomoTurns.Texts.Take(300))
            {
                Assert.Equal(fromVocab.CountTokens(turn), fromJson.CountTokens(turn));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false}""", 5)]
    [InlineData("""{"type": "Sequence", "normalizers": [{"type": "NFD"}]}""", 5)]
    [InlineData("null", 5)]
    [InlineData("""{"type": "BertNormalizer", "lowercase": true}""", 1)]
    [InlineData("""{"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"}, {"type": "StripAccents"}]}""", 1)]
    public void A_wordpiece_tokenizer_json_is_cased_or_uncased_as_its_normalizer_says(string normalizer, int helloTokens)
    {
        // A cased vocabulary was read as uncased: "HELLO" counted as the one token "hello" where the model sees
        // H ##E ##L ##L ##O, and a budget counted so overran, though the counter said it was exact.
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-cased-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string json = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(json, TokenizerJson(normalizer));

            var counter = TokenCounters.Create(json);

            Assert.True(counter.IsExact);
            Assert.Equal(helloTokens, counter.CountTokens("HELLO"));
            Assert.Equal(1, counter.CountTokens("hello"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"do_lower_case": false}""", 5)]
    [InlineData("""{"do_lower_case": true, "strip_accents": null}""", 1)]
    [InlineData("""{"tokenizer_class": "BertTokenizer"}""", 1)]
    [InlineData(null, 1)]
    public void A_vocab_txt_is_cased_or_uncased_as_its_folders_tokenizer_config_says(string? config, int helloTokens)
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-cased-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllLines(Path.Combine(folder, "vocab.txt"), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "H", "##E", "##L", "##O"]);
            if (config is not null)
            {
                File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config);
            }

            Assert.Equal(helloTokens, TokenCounters.Create(folder).CountTokens("HELLO"));
            Assert.Equal(helloTokens, TokenCounters.Create(Path.Combine(folder, "vocab.txt")).CountTokens("HELLO"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_casing_setting_of_the_wrong_type_is_refused()
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-cased-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string json = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(json, TokenizerJson("""{"type": "BertNormalizer", "lowercase": "no"}"""));
            Assert.Contains("\"lowercase\"", Assert.Throws<ModelFormatException>(() => TokenCounters.Create(json)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("\"0\"")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("[0]")]
    [InlineData("true")]
    [InlineData("1.5")]
    [InlineData("-1")]
    public void A_vocab_id_that_is_no_whole_number_is_refused_naming_the_file(string id)
    {
        // JsonElement.TryGetInt32 throws for an element that is not a number at all (a string, null, an object): the
        // caller got System.Text.Json's InvalidOperationException without the file, not the documented ModelFormatException.
        using var folder = new TempFolder("wp-id");
        string json = Path.Combine(folder.Path, "tokenizer.json");
        File.WriteAllText(json, """{"model": {"type": "WordPiece", "vocab": {"[UNK]": """ + id + """, "a": 1}}}""");

        var e = Assert.Throws<ModelFormatException>(() => TokenCounters.Create(folder.Path));

        Assert.Contains(json, e.Message, StringComparison.Ordinal);
        Assert.Contains("'[UNK]'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": ["a", "b"]}}""")]
    [InlineData("""{"model": {"type": "WordPiece"}}""")]
    public void A_vocab_that_is_no_object_is_refused_naming_the_file(string text)
    {
        using var folder = new TempFolder("wp-vocab");
        string json = Path.Combine(folder.Path, "tokenizer.json");
        File.WriteAllText(json, text);

        Assert.Contains(json + ": model.vocab", Assert.Throws<ModelFormatException>(() => TokenCounters.Create(json)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wordpiece_vocabulary_without_its_special_tokens_is_refused_naming_the_file()
    {
        // Microsoft.ML.Tokenizers' bare ArgumentException ("The special token '[UNK]' is not in the vocabulary.") named
        // no file, and read as a wrong spec rather than the documented ModelFormatException of a malformed tokenizer.
        using var folder = new TempFolder("wp-special");
        string vocab = Path.Combine(folder.Path, "vocab.txt"), json = Path.Combine(folder.Path, "tokenizer.json");
        File.WriteAllLines(vocab, ["[PAD]", "hello"]);
        Assert.Contains(vocab, Assert.Throws<ModelFormatException>(() => TokenCounters.Create(vocab)).Message, StringComparison.Ordinal);

        File.WriteAllText(json, """{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "hello": 1}}}""");
        Assert.Contains(json, Assert.Throws<ModelFormatException>(() => TokenCounters.Create(json)).Message, StringComparison.Ordinal);
    }

    /// <summary>A WordPiece tokenizer.json with <paramref name="normalizer"/> over a vocabulary that has "hello" and H ##E ##L ##O.</summary>
    private static string TokenizerJson(string normalizer) =>
        """{"normalizer": """ + normalizer + """, "model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5, "H": 6, "##E": 7, "##L": 8, "##O": 9}}}""";

    [Fact]
    public void Anything_else_is_refused_clearly()
    {
        var e = Assert.Throws<ArgumentException>(() => TokenCounters.Create("gpt5"));
        Assert.Contains("Unknown tokenizer 'gpt5'", e.Message, StringComparison.Ordinal);
        Assert.Contains("o200k", e.Message, StringComparison.Ordinal);

        string folder = Path.Combine(Path.GetTempPath(), "agentmem-bpe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string json = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(json, """{"model": {"type": "BPE", "vocab": {}, "merges": []}}""");
            Assert.Contains("'BPE' tokenizer.json cannot count tokens here", Assert.Throws<ModelFormatException>(() => TokenCounters.Create(folder)).Message, StringComparison.Ordinal);
            Assert.Same(HeuristicTokenCounter.Instance, TokenCounters.Create(folder, _ => HeuristicTokenCounter.Instance)); // a host's reader is used
            File.WriteAllText(json, "{not json");
            Assert.Contains("not valid JSON", Assert.Throws<ModelFormatException>(() => TokenCounters.Create(json)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
