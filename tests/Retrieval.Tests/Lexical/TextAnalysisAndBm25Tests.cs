using System.Numerics.Tensors;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Lexical;

namespace AgentMem.Retrieval.Tests.Lexical;

public sealed class TextAnalysisAndBm25Tests
{
    [Fact]
    public void Terms_are_stemmed_content_words_with_repeats_kept()
    {
        Assert.Equal(["carolin", "run", "river", "river"], TextAnalyzer.Terms("Caroline was running by the river, the RIVER!"));
        Assert.Equal(["who", "are", "you"], TextAnalyzer.Words("Who are you?"));
        Assert.Empty(TextAnalyzer.Terms("Who are you?"));
    }

    [Fact]
    public void Letters_outside_the_basic_plane_are_letters()
    {
        // Text in the basic plane is analysed as it always was (compatibility forms folded, then lower-cased).
        Assert.Equal(["file", "café", "naïve", "x2", "straße", "dž", "日本語", "iv"], TextAnalyzer.Words("ﬁle CAFÉ naïve, x2 Straße Ǆ 日本語 Ⅳ"));

        // Adlam (U+1E900..), Deseret and CJK Extension B are surrogate pairs in UTF-16: still letters, lower-cased.
        Assert.Equal(["𞤢𞤣𞤤𞤢𞤥"], TextAnalyzer.Words("𞤀𞤣𞤤𞤢𞤥"));
        Assert.Equal(["ab𞤢cd"], TextAnalyzer.Words("ab𞤀cd"));
        Assert.Equal(["𠮷野家", "𐐨𐐩"], TextAnalyzer.Words("𠮷野家 — 𐐀𐐁!"));
    }

    [Fact]
    public void Combining_marks_continue_the_word_they_follow()
    {
        // Vowel signs and viramas (Devanagari, Thai) and harakat (Arabic) are marks, not letters: they ended the word, so
        // "किताब" (book) and "कुतुब" (Qutub) both became the consonants क, त, ब and met each other's queries.
        Assert.Equal(["किताब"], TextAnalyzer.Terms("किताब"));
        Assert.NotEqual(TextAnalyzer.Terms("किताब"), TextAnalyzer.Terms("कुतुब"));
        Assert.Equal(["मेरी", "किताब", "मेज़", "पर", "है"], TextAnalyzer.Words("मेरी किताब मेज़ पर है।"));
        Assert.Equal(["สวัสดี"], TextAnalyzer.Words("สวัสดี"));
        Assert.Equal(["ที่บ้าน"], TextAnalyzer.Words("ที่บ้าน"));
        Assert.Equal(["كَتَبَ"], TextAnalyzer.Words("كَتَبَ"));

        // A mark NFKC does not compose stays on its letter; one with no word open is dropped, as any symbol is. A variation
        // selector picks a glyph, not a letter: it neither ends a word nor joins it.
        Assert.Equal(["q\u0307x"], TextAnalyzer.Words("Q\u0307x"));
        Assert.Equal(["ab"], TextAnalyzer.Words("\u0301ab"));
        Assert.Equal(["tm", "1"], TextAnalyzer.Words("\u2122\uFE0F 1\uFE0F"));

        // The same words reach the hashing embedder: the two words no longer share their word feature.
        var embedder = new HashingEmbedder(256);
        Assert.True(TensorPrimitives.CosineSimilarity(embedder.Embed("किताब"), embedder.Embed("कुतुब")) < 0.5f);
    }

    [Fact]
    public void A_final_sigma_is_case_folded_to_the_medial_form_and_accents_stay()
    {
        // Lower-casing maps 'Σ' to the medial 'σ' wherever it stands, while Greek typed in lower case ends a word with 'ς':
        // "ΟΔΟΣ" (street, in capitals) was οδοσ and "οδος" was οδος, and the two never met. Case folding maps 'ς' to 'σ'.
        Assert.Equal(["οδοσ"], TextAnalyzer.Words("ΟΔΟΣ"));
        Assert.Equal(TextAnalyzer.Terms("ΟΔΟΣ"), TextAnalyzer.Terms("οδος"));
        Assert.Equal(TextAnalyzer.Terms("Οδός"), TextAnalyzer.Terms("οδός"));
        Assert.Equal(["σοσ", "σπασμένοσ"], TextAnalyzer.Words("ΣΟΣ, σπασμένος!"));
        Assert.Equal(["φωσ"], TextAnalyzer.Words("ϕωϲ")); // NFKC makes the symbol forms letters (the lunate sigma a final one)

        // Folding is of case only: an accent stays on its letter ("κλειστός" and "κλειστοσ" are still two words).
        Assert.Equal(["κλειστόσ", "κλειστοσ"], TextAnalyzer.Words("κλειστός ΚΛΕΙΣΤΟΣ"));

        // The same words reach the hashing embedder: the word in capitals is the same vector.
        var embedder = new HashingEmbedder(256);
        Assert.Equal(embedder.Embed("οδος"), embedder.Embed("ΟΔΟΣ"));
    }

    [Theory]
    [InlineData(0xFFFE)]
    [InlineData(0xFFFF)]
    [InlineData(0xFDD0)]
    [InlineData(0xD800)] // unpaired high surrogate
    [InlineData(0xDC00)] // unpaired low surrogate
    [InlineData(0x1FFFE)]
    [InlineData(0x10FFFF)]
    public void A_character_unicode_normalisation_refuses_splits_words_instead_of_throwing(int codePoint)
    {
        // string.Normalize throws on U+FFFE (and may on other noncharacters or unpaired surrogates); one in a tag a store
        // accepted made every search of its cube throw. None is a letter, so it separates words as any symbol does.
        // Built here, not in the attribute: a test name cannot carry an unpaired surrogate.
        string odd = codePoint is >= 0xD800 and <= 0xDFFF ? ((char)codePoint).ToString() : char.ConvertFromUtf32(codePoint);
        string text = $"a{odd}b";
        Assert.Equal(["a", "b"], TextAnalyzer.Words(text));
        Assert.Equal(["b"], TextAnalyzer.Terms(text)); // "a" is a stop word
        Assert.Equal(["b"], QueryAnalyzer.Terms(text));
        Assert.Equal(new HashingEmbedder(64).Embed("a b"), new HashingEmbedder(64).Embed(text));
        Assert.Equal(["x"], TextAnalyzer.Words($"x{odd}"));
        Assert.Equal(["x"], TextAnalyzer.Words($"{odd}x"));
    }

    [Fact]
    public void Bm25_scores_match_the_formula_on_a_hand_sized_corpus()
    {
        string[][] docs = [["cat", "sat"], ["dog", "sat", "sat", "mat"], ["cat", "cat", "cat", "dog", "bird", "bird"]];
        var index = new Bm25Index(docs, k1: 1.2f, b: 0.75f);
        var scores = new float[3];
        float max = index.Score(["cat"], scores);

        // N = 3, df(cat) = 2, idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)); avgdl = 4.
        double idf = Math.Log(1 + (1.5 / 2.5));
        double Expected(int tf, int len) => idf * tf * 2.2 / (tf + (1.2 * (0.25 + (0.75 * len / 4.0))));
        Assert.Equal(Expected(1, 2), scores[0], 5);
        Assert.Equal(0, scores[1]);
        Assert.Equal(Expected(3, 6), scores[2], 5);
        Assert.Equal(scores.Max(), max);
    }

    [Fact]
    public void Repeated_query_terms_count_once_and_unknown_terms_score_nothing()
    {
        var index = new Bm25Index([["apple"], ["pear"]]);
        var once = new float[2];
        var twice = new float[2];
        index.Score(["apple"], once);
        index.Score(["apple", "apple", "kiwi"], twice);
        Assert.Equal(once, twice);
        Assert.Equal(0f, index.Score(["kiwi"], new float[2]));
    }

    [Fact]
    public void A_term_in_every_document_never_scores_negative()
    {
        var index = new Bm25Index([["the", "a"], ["the"], ["the", "b"]]);
        var scores = new float[3];
        index.Score(["the"], scores);
        Assert.All(scores, s => Assert.True(s > 0));
    }
}
