using System.Text.Json;
using AgentMem.Benchmarks.Metrics;
using AgentMem.MemoryCore.Text;

namespace AgentMem.Benchmarks.Tests.Metrics;

/// <summary>
/// The answer metric's stemmer (<see cref="PorterStemmerMode.NltkExtensions"/>) gives NLTK's own stems on every word of
/// LoCoMo's questions and answers: LoCoMo's evaluation.py stems with NLTK's <c>PorterStemmer()</c>, whose default mode
/// that is. NLTK runs at test time (<c>Fixtures/nltk_porter_stems.py</c>); nothing it writes is committed.
/// </summary>
public sealed class NltkPorterOracleTests
{
    [SkippableFact]
    public void Every_locomo_question_and_answer_word_gets_nltks_stem()
    {
        PythonReference.Require("nltk");
        var words = SharedDatasets.Locomo.Questions
            .SelectMany(q => new[] { q.Question, q.Answer, q.AdversarialAnswer })
            .Where(text => text is not null)
            .SelectMany(text => AnswerMetrics.Tokenize(text!, stem: false))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        using var dir = new TempDirectory();
        string input = Path.Combine(dir.Path, "words.json"), output = Path.Combine(dir.Path, "stems.json");
        File.WriteAllText(input, JsonSerializer.Serialize(words));

        PythonReference.Run(RepoPaths.File("tests", "Benchmarks.Tests", "Metrics", "Fixtures", "nltk_porter_stems.py"), input, output);

        var expected = JsonSerializer.Deserialize<string[]>(File.ReadAllText(output))!;
        Assert.Equal(words.Count, expected.Length);
        Assert.True(words.Count > 3000, $"{words.Count} words"); // the whole vocabulary, not an empty read
        var differing = words.Select((w, i) => (Word: w, Nltk: expected[i], Ours: PorterStemmer.Stem(w, PorterStemmerMode.NltkExtensions)))
            .Where(s => s.Nltk != s.Ours)
            .ToList();
        Assert.True(differing.Count == 0, $"{differing.Count} of {words.Count} words stem otherwise than NLTK: {string.Join(", ", differing.Take(30).Select(d => $"{d.Word} -> nltk {d.Nltk}, ours {d.Ours}"))}");
    }
}
