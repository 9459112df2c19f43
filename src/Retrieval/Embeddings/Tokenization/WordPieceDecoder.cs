using System.Text;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>Turns WordPiece tokens back into text: glues <c>##</c> pieces to the previous token, spaces the rest, and optionally undoes the spaces BERT put before punctuation and contractions.</summary>
public sealed class WordPieceDecoder
{
    /// <summary>Creates the decoder.</summary>
    /// <param name="prefix">Continuing-subword prefix to glue back (<c>##</c>).</param>
    /// <param name="cleanup">Remove the space before <c>. , ? !</c> and common English contractions, as HF's decoder does.</param>
    public WordPieceDecoder(string prefix = "##", bool cleanup = true)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        Prefix = prefix;
        Cleanup = cleanup;
    }

    /// <summary>The continuing-subword prefix.</summary>
    public string Prefix { get; }

    /// <summary>Whether spaces before punctuation and contractions are removed.</summary>
    public bool Cleanup { get; }

    /// <summary>Joins <paramref name="tokens"/> into text.</summary>
    public string Decode(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var sb = new StringBuilder();
        foreach (string token in tokens)
        {
            if (sb.Length > 0 && Prefix.Length > 0 && token.StartsWith(Prefix, StringComparison.Ordinal))
            {
                sb.Append(token, Prefix.Length, token.Length - Prefix.Length);
            }
            else
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(token);
            }
        }

        if (Cleanup)
        {
            sb.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
              .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
        }

        return sb.ToString();
    }
}
