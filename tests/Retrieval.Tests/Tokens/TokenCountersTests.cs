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
