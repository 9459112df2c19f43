using System.Buffers;
using System.Globalization;

namespace AgentMem.Retrieval.Embeddings.Tokenization;

/// <summary>
/// The WordPiece model: splits one pre-tokenized word into vocabulary pieces, greedily taking the longest
/// match first; pieces after the first carry the continuing-subword prefix (<c>##</c>). A word with any
/// unmatched remainder, or longer than <see cref="MaxInputCharsPerWord"/>, becomes the unknown token.
/// </summary>
public sealed class WordPieceModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly string[] _tokens;

    /// <summary>Creates the model from a token → id map.</summary>
    /// <exception cref="ModelFormatException">The vocabulary is empty, has gaps or negative ids, or lacks the unknown token.</exception>
    public WordPieceModel(IReadOnlyDictionary<string, int> vocabulary, string unknownToken = "[UNK]", string continuingSubwordPrefix = "##", int maxInputCharsPerWord = 100)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentException.ThrowIfNullOrEmpty(unknownToken);
        ArgumentNullException.ThrowIfNull(continuingSubwordPrefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInputCharsPerWord, 1);
        if (vocabulary.Count == 0)
        {
            throw new ModelFormatException("The WordPiece vocabulary is empty.");
        }

        _vocab = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        int maxId = -1;
        foreach (KeyValuePair<string, int> pair in vocabulary)
        {
            if (pair.Value < 0)
            {
                throw new ModelFormatException(string.Create(CultureInfo.InvariantCulture, $"The WordPiece vocabulary gives token '{pair.Key}' the negative id {pair.Value}."));
            }

            _vocab[pair.Key] = pair.Value;
            maxId = Math.Max(maxId, pair.Value);
        }

        _tokens = new string[maxId + 1];
        foreach (KeyValuePair<string, int> pair in _vocab)
        {
            _tokens[pair.Value] = pair.Key;
        }

        if (!_vocab.TryGetValue(unknownToken, out int unknownId))
        {
            throw new ModelFormatException($"The WordPiece vocabulary has no unknown token '{unknownToken}'.");
        }

        _lookup = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownToken = unknownToken;
        UnknownId = unknownId;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
    }

    /// <summary>The token that stands for a word the vocabulary cannot spell.</summary>
    public string UnknownToken { get; }

    /// <summary>Id of <see cref="UnknownToken"/>.</summary>
    public int UnknownId { get; }

    /// <summary>Prefix of pieces that continue a word (<c>##</c>).</summary>
    public string ContinuingSubwordPrefix { get; }

    /// <summary>Words longer than this (in Unicode scalar values) become the unknown token without being split.</summary>
    public int MaxInputCharsPerWord { get; }

    /// <summary>Number of ids (highest id + 1).</summary>
    public int VocabularySize => _tokens.Length;

    /// <summary>The id of <paramref name="token"/>, or null if it is not in the vocabulary.</summary>
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    /// <summary>The token with id <paramref name="id"/>, or null if there is none.</summary>
    public string? IdToToken(int id) => id >= 0 && id < _tokens.Length ? _tokens[id] : null;

    /// <summary>Appends the piece ids of one word to <paramref name="ids"/>.</summary>
    public void EncodeWord(ReadOnlySpan<char> word, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (word.IsEmpty)
        {
            return;
        }

        if (CountScalars(word) > MaxInputCharsPerWord)
        {
            ids.Add(UnknownId);
            return;
        }

        int mark = ids.Count;
        int prefixLength = ContinuingSubwordPrefix.Length;
        char[] buffer = ArrayPool<char>.Shared.Rent(prefixLength + word.Length);
        try
        {
            // The prefix sits in front of the candidate so continuation pieces are looked up without allocating.
            ContinuingSubwordPrefix.AsSpan().CopyTo(buffer);
            int start = 0;
            while (start < word.Length)
            {
                int end = word.Length;
                int found = -1;
                while (end > start)
                {
                    // Never cut a surrogate pair: HF counts characters, not UTF-16 units.
                    if (end < word.Length && char.IsLowSurrogate(word[end]))
                    {
                        end--;
                        continue;
                    }

                    ReadOnlySpan<char> piece = word[start..end];
                    ReadOnlySpan<char> key = piece;
                    if (start > 0)
                    {
                        piece.CopyTo(buffer.AsSpan(prefixLength));
                        key = buffer.AsSpan(0, prefixLength + piece.Length);
                    }

                    if (_lookup.TryGetValue(key, out int id))
                    {
                        found = id;
                        break;
                    }

                    end--;
                }

                if (found < 0)
                {
                    ids.RemoveRange(mark, ids.Count - mark);
                    ids.Add(UnknownId);
                    return;
                }

                ids.Add(found);
                start = end;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static int CountScalars(ReadOnlySpan<char> word)
    {
        int count = 0;
        for (int i = 0; i < word.Length; i++)
        {
            if (!char.IsLowSurrogate(word[i]))
            {
                count++;
            }
        }

        return count;
    }
}
