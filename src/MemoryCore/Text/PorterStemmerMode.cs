namespace AgentMem.MemoryCore.Text;

/// <summary>Which Porter stemmer <see cref="PorterStemmer.Stem(string, PorterStemmerMode)"/> runs.</summary>
public enum PorterStemmerMode
{
    /// <summary>The original Porter (1980) algorithm: the stems of the lexical indexes.</summary>
    Original,

    /// <summary>
    /// NLTK's <c>PorterStemmer()</c> default mode (<c>NLTK_EXTENSIONS</c>), which LoCoMo's <c>evaluation.py</c> stems its
    /// answer F1 with: Porter's table of irregular forms (<c>dying</c> → <c>die</c>, <c>skies</c> → <c>sky</c>,
    /// <c>news</c>), <c>ies</c>/<c>ied</c> in four-letter words to <c>ie</c>, <c>y</c> → <c>i</c> only after a consonant,
    /// step 2's <c>bli</c>, <c>fulli</c> and <c>logi</c> rules, and a two-letter vowel-consonant stem counted as cvc.
    /// </summary>
    NltkExtensions,
}
