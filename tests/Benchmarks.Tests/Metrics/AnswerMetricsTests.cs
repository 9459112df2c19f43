using AgentMem.Benchmarks.Metrics;

namespace AgentMem.Benchmarks.Tests.Metrics;

public class AnswerMetricsTests
{
    [Theory]
    [InlineData("The Cat, and a DOG!", "cat dog")]
    [InlineData("  An   apple-pie  ", "applepie")]
    [InlineData("7 May 2023", "7 may 2023")]
    [InlineData("Theory", "theory")]
    [InlineData("...", "")]
    public void Normalize_lowercases_and_strips_punctuation_articles_and_spaces(string input, string expected)
    {
        Assert.Equal(expected, AnswerMetrics.Normalize(input));
    }

    [Fact]
    public void F1_over_token_multisets()
    {
        // pred {cat, sat, on, mat}, gold {cat, on, mat}: P = 3/4, R = 1, F1 = 6/7.
        Assert.Equal(6.0 / 7, AnswerMetrics.TokenF1("the cat sat on the mat", "a cat on a mat", stem: false), 12);
        // pred {cat x3}, gold {cat, dog}: one shared token, P = 1/3, R = 1/2, F1 = 0.4.
        Assert.Equal(0.4, AnswerMetrics.TokenF1("cat cat cat", "cat dog"), 12);
    }

    [Fact]
    public void F1_stems_by_default()
    {
        Assert.Equal(1.0, AnswerMetrics.TokenF1("Running dogs", "run dog"), 12);
        Assert.Equal(0.0, AnswerMetrics.TokenF1("Running dogs", "run dog", stem: false), 12);
    }

    [Fact]
    public void F1_stems_as_nltks_default_porter_stemmer_which_locomo_uses()
    {
        // LoCoMo's evaluation.py stems with NLTK's PorterStemmer(): "dying" and "die" are one word there ("die"); the
        // original algorithm made them "dy" and "die", and F1 0.
        Assert.Equal(1.0, AnswerMetrics.TokenF1("dying", "die"), 12);
        Assert.Equal(1.0, AnswerMetrics.TokenF1("skies", "sky"), 12);
        Assert.Equal(1.0, AnswerMetrics.TokenF1("She died.", "she dies"), 12);
        Assert.Equal(["die", "sky"], AnswerMetrics.Tokenize("dying skies", stem: true));
    }

    [Fact]
    public void F1_without_overlap_is_zero_even_for_two_empty_answers()
    {
        Assert.Equal(0, AnswerMetrics.TokenF1("blue", "red"));
        Assert.Equal(0, AnswerMetrics.TokenF1("the", "a"));
    }

    [Fact]
    public void Bleu1_is_clipped_precision_times_brevity_penalty()
    {
        // Exact prefix, half the reference length: p = 1, BP = exp(1 - 4/2).
        Assert.Equal(Math.Exp(-1), AnswerMetrics.Bleu1("cat sat", "cat sat on mat"), 12);
        // Longer than the reference: no penalty; "cat" clipped to its single reference count.
        Assert.Equal(0.25, AnswerMetrics.Bleu1("cat cat cat cat", "cat dog"), 12);
        Assert.Equal(0.75, AnswerMetrics.Bleu1("cat on mat today", "the cat on the mat"), 12);
        Assert.Equal(1.0, AnswerMetrics.Bleu1("Paris", "paris."), 12);
        Assert.Equal(0, AnswerMetrics.Bleu1("", "paris"));
    }

    [Theory]
    [InlineData("National park", "National park; she likes the outdoors", "3", 1.0)] // the gold's explanation after ';' is not scored
    [InlineData("pottery and painting", "pottery, camping, painting, swimming", "1", (2.0 / 3 + 2.0 / 3) / 4)] // best part per gold part, averaged
    [InlineData("pottery, camping, painting, swimming", "pottery, camping, painting, swimming", "1", 1.0)]
    [InlineData("Not mentioned.", "anything", "5", 1.0)]
    [InlineData("No information available in the conversation", "anything", "5", 1.0)]
    [InlineData("Paris", "anything", "5", 0.0)]
    [InlineData("Oslo", "Oslo", "4", 1.0)]
    public void Locomo_f1_follows_the_per_category_rules_of_its_evaluation_script(string prediction, string gold, string category, double expected) =>
        Assert.Equal(expected, AnswerMetrics.LocomoF1(prediction, gold, category), 6);
}
