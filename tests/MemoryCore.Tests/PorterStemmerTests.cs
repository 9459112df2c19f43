using AgentMem.MemoryCore.Text;

namespace AgentMem.MemoryCore.Tests;

public class PorterStemmerTests
{
    // Examples from Porter (1980), "An algorithm for suffix stripping".
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "ti")]
    [InlineData("caress", "caress")]
    [InlineData("cats", "cat")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("bled", "bled")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("conflated", "conflat")]
    [InlineData("troubled", "troubl")]
    [InlineData("sized", "size")]
    [InlineData("hopping", "hop")]
    [InlineData("tanned", "tan")]
    [InlineData("falling", "fall")]
    [InlineData("hissing", "hiss")]
    [InlineData("fizzed", "fizz")]
    [InlineData("failing", "fail")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("sky", "sky")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("rational", "ration")]
    [InlineData("digitizer", "digit")]
    [InlineData("generalization", "gener")]
    [InlineData("hopefulness", "hope")]
    [InlineData("triplicate", "triplic")]
    [InlineData("electrical", "electr")]
    [InlineData("adjustment", "adjust")]
    [InlineData("adoption", "adopt")]
    [InlineData("probate", "probat")]
    [InlineData("rate", "rate")]
    [InlineData("cease", "ceas")]
    [InlineData("controlling", "control")]
    [InlineData("roll", "roll")]
    [InlineData("generously", "gener")]
    [InlineData("running", "run")]
    [InlineData("is", "is")]
    [InlineData("2022", "2022")]
    public void Stems_like_the_reference_algorithm(string word, string stem)
    {
        Assert.Equal(stem, PorterStemmer.Stem(word));
    }

    // NLTK's PorterStemmer() default mode (NLTK_EXTENSIONS), which LoCoMo's evaluation.py stems with: Porter's list of
    // irregular forms, "ies"/"ied" in four-letter words, y -> i only after a consonant, -bli/-fulli/-logi in step 2, and
    // a two-letter vowel-consonant stem counting as cvc. Examples from NLTK's porter.py documentation and those rules.
    [Theory]
    [InlineData("dying", "die", "dy")]
    [InlineData("lying", "lie", "ly")]
    [InlineData("skies", "sky", "ski")]
    [InlineData("news", "news", "new")]
    [InlineData("innings", "inning", "in")]
    [InlineData("proceed", "proceed", "proce")]
    [InlineData("dies", "die", "di")]
    [InlineData("died", "die", "di")]
    [InlineData("flies", "fli", "fli")]
    [InlineData("cried", "cri", "cri")]
    [InlineData("happy", "happi", "happi")]
    [InlineData("enjoy", "enjoy", "enjoi")]
    [InlineData("spy", "spi", "spy")]
    [InlineData("possibly", "possibl", "possibli")]
    [InlineData("hopefully", "hope", "hopefulli")]
    [InlineData("biology", "biolog", "biologi")]
    [InlineData("use", "use", "us")]
    [InlineData("aging", "age", "ag")]
    [InlineData("is", "is", "is")]
    public void The_nltk_mode_stems_as_nltks_default_and_the_default_stays_the_original(string word, string nltk, string original)
    {
        Assert.Equal(nltk, PorterStemmer.Stem(word, PorterStemmerMode.NltkExtensions));
        Assert.Equal(original, PorterStemmer.Stem(word)); // the lexical indexes' stems do not move
        Assert.Equal(original, PorterStemmer.Stem(word, PorterStemmerMode.Original));
    }
}
