using AgentMem.MemoryCore.Text;

namespace AgentMem.Benchmarks.Metrics;

/// <summary>
/// LoCoMo-style answer scoring. Normalisation follows LoCoMo's <c>evaluation.py</c>: drop commas,
/// lower-case, strip ASCII punctuation, remove the words <c>a</c>, <c>an</c>, <c>the</c> and
/// <c>and</c>, collapse whitespace. F1 additionally Porter-stems each token as evaluation.py does, with NLTK's <c>PorterStemmer()</c> in
/// its default mode (<see cref="PorterStemmerMode.NltkExtensions"/>: "dying" and "die" are one word there, not in the
/// original algorithm the lexical indexes stem with); BLEU-1 uses the unstemmed normalised tokens.
/// </summary>
public static class AnswerMetrics
{
    private static readonly HashSet<string> DroppedWords = new(StringComparer.Ordinal) { "a", "an", "the", "and" };

    /// <summary>Normalises an answer for comparison.</summary>
    /// <param name="text">Raw answer.</param>
    /// <returns>Normalised answer: lower-case words separated by single spaces.</returns>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var kept = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            // Python's string.punctuation is exactly the ASCII punctuation set; commas included.
            if (c < 128 && !char.IsAsciiLetterOrDigit(c) && !char.IsWhiteSpace(c))
            {
                continue;
            }

            kept.Append(char.ToLowerInvariant(c));
        }

        return string.Join(' ', kept.ToString()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !DroppedWords.Contains(w)));
    }

    /// <summary>Normalised tokens of an answer, optionally Porter-stemmed as LoCoMo's evaluation.py stems them (NLTK's default mode).</summary>
    /// <param name="text">Raw answer.</param>
    /// <param name="stem">Whether to stem each token.</param>
    /// <returns>Tokens in order.</returns>
    public static IReadOnlyList<string> Tokenize(string text, bool stem)
    {
        string normalized = Normalize(text);
        if (normalized.Length == 0)
        {
            return [];
        }

        string[] tokens = normalized.Split(' ');
        return stem ? Array.ConvertAll(tokens, t => PorterStemmer.Stem(t, PorterStemmerMode.NltkExtensions)) : tokens;
    }

    /// <summary>
    /// Token-level F1 between a prediction and a reference (multiset overlap of normalised,
    /// by default stemmed, tokens). As in LoCoMo, no overlap, including two empty answers, scores 0.
    /// </summary>
    /// <param name="prediction">Model answer.</param>
    /// <param name="reference">Gold answer.</param>
    /// <param name="stem">Porter-stem tokens first (LoCoMo does).</param>
    /// <returns>F1 in [0, 1].</returns>
    public static double TokenF1(string prediction, string reference, bool stem = true)
    {
        IReadOnlyList<string> predicted = Tokenize(prediction, stem);
        IReadOnlyList<string> gold = Tokenize(reference, stem);
        int common = Overlap(predicted, gold);
        if (common == 0)
        {
            return 0;
        }

        double precision = (double)common / predicted.Count;
        double recall = (double)common / gold.Count;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>
    /// LoCoMo's answer F1 for a question of <paramref name="category"/>, as its <c>evaluation.py</c> scores it: category 1
    /// (multi-hop, answers that list several things) splits both answers on commas and averages, over the gold parts, the
    /// best <see cref="TokenF1"/> of a predicted part; category 3 scores against the gold answer up to its first ';' (the
    /// rest is an explanation); category 5 (adversarial) is <see cref="Declines"/>; the others are plain <see cref="TokenF1"/>.
    /// </summary>
    public static double LocomoF1(string prediction, string reference, string category)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        return category switch
        {
            "1" => MultiAnswerF1(prediction, reference),
            "3" => TokenF1(prediction, reference.Split(';')[0].Trim()),
            "5" => Declines(prediction) ? 1 : 0,
            _ => TokenF1(prediction, reference),
        };
    }

    /// <summary>The mean, over the comma-separated parts of <paramref name="reference"/>, of the best F1 of a part of <paramref name="prediction"/>.</summary>
    public static double MultiAnswerF1(string prediction, string reference)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        var predicted = prediction.Split(',').Select(p => p.Trim()).ToList();
        return reference.Split(',').Select(g => g.Trim()).Average(g => predicted.Max(p => TokenF1(p, g)));
    }

    /// <summary>
    /// Whether an answer declines to answer, as LoCoMo checks its adversarial questions: it says "not mentioned" or "no
    /// information available" (case-insensitively). The reader prompt asks for exactly "Not mentioned." then.
    /// </summary>
    public static bool Declines(string prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return prediction.Contains("not mentioned", StringComparison.OrdinalIgnoreCase) || prediction.Contains("no information available", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Sentence BLEU-1 against a single reference: clipped unigram precision times the brevity
    /// penalty <c>exp(1 - r/c)</c> when the prediction (c tokens) is not longer than the reference (r).
    /// </summary>
    /// <param name="prediction">Model answer.</param>
    /// <param name="reference">Gold answer.</param>
    /// <returns>BLEU-1 in [0, 1]; 0 for an empty prediction.</returns>
    public static double Bleu1(string prediction, string reference)
    {
        IReadOnlyList<string> predicted = Tokenize(prediction, stem: false);
        IReadOnlyList<string> gold = Tokenize(reference, stem: false);
        if (predicted.Count == 0)
        {
            return 0;
        }

        double precision = (double)Overlap(predicted, gold) / predicted.Count;
        double brevity = predicted.Count > gold.Count ? 1 : Math.Exp(1 - ((double)gold.Count / predicted.Count));
        return brevity * precision;
    }

    /// <summary>Size of the multiset intersection (each token counted min(times in a, times in b)).</summary>
    private static int Overlap(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in b)
        {
            counts[token] = counts.GetValueOrDefault(token) + 1;
        }

        int common = 0;
        foreach (string token in a)
        {
            if (counts.TryGetValue(token, out int left) && left > 0)
            {
                counts[token] = left - 1;
                common++;
            }
        }

        return common;
    }
}
