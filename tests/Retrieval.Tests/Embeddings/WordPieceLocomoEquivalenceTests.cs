using System.Text.Json;
using AgentMem.Retrieval.Embeddings.Onnx;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>
/// The embedder's WordPiece (Microsoft.ML.Tokenizers' <c>BertTokenizer</c>, configured as <see cref="OnnxSentenceEmbedder"/>
/// configures it) gives the ids of an independent plain-Python BERT tokenizer (<c>Fixtures/wordpiece_reference.py</c>) on every
/// LoCoMo turn, with the all-MiniLM-L6-v2 vocabulary: the proof that replaced our own WordPiece's 185k-token check.
/// </summary>
public sealed class WordPieceLocomoEquivalenceTests
{
    [SkippableFact]
    public void Every_locomo_turn_gets_the_reference_ids()
    {
        PythonReference.Require();
        string vocab = RepoPaths.Shared("models", "all-MiniLM-L6-v2-tokenizer", "vocab.txt");
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-wordpiece-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // The packaged model's vocabulary is the published all-MiniLM-L6-v2 one, so the embedder itself is what is checked.
            OnnxSentenceEmbedder.ExportPackaged("minilm", folder);
            Assert.Equal(File.ReadAllLines(vocab), File.ReadAllLines(Path.Combine(folder, "vocab.txt"))); // same tokens, line endings aside

            var texts = LocomoTurns.Texts;
            using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
            string input = Path.Combine(folder, "texts.json"), output = Path.Combine(folder, "ids.json");
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            PythonReference.Run(RepoPaths.File("tests", "Retrieval.Tests", "Embeddings", "Fixtures", "wordpiece_ids.py"), vocab, input, embedder.MaxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), output);
            var expected = JsonSerializer.Deserialize<int[][]>(File.ReadAllText(output))!;

            Assert.Equal(texts.Count, expected.Length);
            long tokens = 0;
            for (int i = 0; i < texts.Count; i++)
            {
                var ids = embedder.TokenIds(texts[i]);
                Assert.True(expected[i].SequenceEqual(ids), $"turn {i} ({texts[i]}): reference {string.Join(",", expected[i])}, library {string.Join(",", ids)}");
                tokens += ids.Count - 2; // without [CLS] and [SEP]
            }

            Assert.True(texts.Count > 5_800 && tokens > 150_000, $"{texts.Count} turns, {tokens} tokens");
            Console.WriteLine($"WordPiece equivalence: {texts.Count} LoCoMo turns, {tokens} tokens (+{2 * texts.Count} [CLS]/[SEP])");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Texts LoCoMo's turns lack: line breaks and tabs (dropped by the library's own normaliser, gluing the words on either
    /// side: "year\nMy" was "year ##my"), Hangul (recomposed after NFD, so every Korean word was [UNK]), and format
    /// characters (a BOM, a soft hyphen, zero-width spaces, kept inside the word, which then became [UNK]).
    /// </summary>
    [SkippableFact]
    public void Line_breaks_format_characters_and_hangul_get_the_reference_ids()
    {
        PythonReference.Require();
        string[] texts =
        [
            "I moved to Paris last year\nMy sister lives in Berlin",
            "Dear team,\r\nthe meeting is moved\r\nto Friday",
            "tab\tnew\nline\rcr",
            "a\u000Bb\u000Cc\u0085d", // other C0/C1 controls are dropped, as BERT drops them
            "one\u2028two\u2029three", // line and paragraph separators split words
            "서울에 살아요",
            "저는 고양이를 좋아해요",
            "\uFEFFHello world",
            "co\u00ADoperation is key",
            "a\u200Bb \u2060wj \u200Dzwj",
            "private \uE000use",
            "Café naïve ǅemal ⅫⒶ",
            "東京で会いましょう",
        ];

        string folder = Path.Combine(Path.GetTempPath(), "agentmem-wordpiece-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
            string input = Path.Combine(folder, "texts.json"), output = Path.Combine(folder, "ids.json");
            File.WriteAllText(input, JsonSerializer.Serialize(texts));
            PythonReference.Run(RepoPaths.File("tests", "Retrieval.Tests", "Embeddings", "Fixtures", "wordpiece_ids.py"), RepoPaths.Shared("models", "all-MiniLM-L6-v2-tokenizer", "vocab.txt"), input, embedder.MaxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), output);
            var expected = JsonSerializer.Deserialize<int[][]>(File.ReadAllText(output))!;

            for (int i = 0; i < texts.Length; i++)
            {
                var ids = embedder.TokenIds(texts[i]);
                Assert.True(expected[i].SequenceEqual(ids), $"text {i} ({texts[i]}): reference {string.Join(",", expected[i])}, library {string.Join(",", ids)}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
