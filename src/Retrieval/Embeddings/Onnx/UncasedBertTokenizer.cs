using System.Text.RegularExpressions;

namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/> set up as uncased BERT (lower-cased, accents stripped) with BERT's own
/// word split: whitespace, and every punctuation character on its own, where punctuation is Unicode's P* categories plus all
/// ASCII symbols (<c>$ + &lt; = &gt; ^ ` | ~</c>). The library's default split keeps those symbols out and drops them
/// ("LGBTQ+" lost its "+" against BERT's reference), so the split is given here.
/// </summary>
internal static partial class UncasedBertTokenizer
{
    /// <summary>A tokenizer over the WordPiece vocabulary in <paramref name="vocabulary"/> (vocab.txt, one token a line).</summary>
    public static BertTokenizer Create(Stream vocabulary) =>
        BertTokenizer.Create(vocabulary, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true, PreTokenizer = new RegexPreTokenizer(WordOrPunctuation(), null) });

    /// <summary>A run of characters that are neither BERT whitespace (space, tab, CR, LF, Zs) nor punctuation, or one punctuation character.</summary>
    [GeneratedRegex(@"[^ \t\n\r\p{Zs}!-/:-@\[-`{-~\p{P}]+|[!-/:-@\[-`{-~\p{P}]", RegexOptions.CultureInvariant)]
    private static partial Regex WordOrPunctuation();
}
