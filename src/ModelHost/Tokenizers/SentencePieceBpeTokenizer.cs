namespace AgentMem.ModelHost;

/// <summary>
/// SentencePiece-BPE tokenizer read from llama2.c's <c>tokenizer.bin</c> (int32 max_token_length, then per token:
/// float32 score, int32 length, UTF-8 bytes). Encodes and decodes exactly as llama2.c's run.c.
/// </summary>
public sealed class SentencePieceBpeTokenizer : ITokenizer
{
    /// <summary>Id of the beginning-of-sequence token.</summary>
    public const int Bos = 1;

    /// <summary>Id of the end-of-sequence token.</summary>
    public const int Eos = 2;

    // Pieces are arbitrary bytes; Latin-1 maps each byte to one char, so a string key is an exact byte key.
    private readonly Dictionary<string, int> lookup;
    private readonly byte[][] pieces;
    private readonly float[] scores;

    private SentencePieceBpeTokenizer(byte[][] pieces, float[] scores, int maxTokenLength)
    {
        this.pieces = pieces;
        this.scores = scores;
        MaxTokenLength = maxTokenLength;
        lookup = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        for (int i = 0; i < pieces.Length; i++)
        {
            lookup.TryAdd(Encoding.Latin1.GetString(pieces[i]), i); // first wins on duplicates
        }
    }

    /// <summary>Number of tokens.</summary>
    public int VocabSize => pieces.Length;

    /// <summary>Longest piece in bytes, from the file header.</summary>
    public int MaxTokenLength { get; }

    /// <summary>Loads <paramref name="path"/>, which must hold exactly <paramref name="vocabSize"/> tokens (the model's vocabulary size).</summary>
    /// <exception cref="ModelFormatException">The file is truncated, has trailing bytes or implausible lengths.</exception>
    public static SentencePieceBpeTokenizer Load(string path, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        byte[] data = File.ReadAllBytes(path);
        var span = data.AsSpan();
        if (span.Length < 4)
        {
            throw new ModelFormatException($"{path}: too short for a tokenizer.bin header.");
        }

        int maxLen = BitConverter.ToInt32(span);
        if (maxLen <= 0 || maxLen > 1 << 16)
        {
            throw new ModelFormatException($"{path}: max_token_length {maxLen} is implausible; not a llama2.c tokenizer.bin.");
        }

        int offset = 4;
        var pieces = new byte[vocabSize][];
        var scores = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++)
        {
            if (span.Length - offset < 8)
            {
                throw new ModelFormatException($"{path}: truncated at token {i} of {vocabSize}.");
            }

            scores[i] = BitConverter.ToSingle(span[offset..]);
            int len = BitConverter.ToInt32(span[(offset + 4)..]);
            offset += 8;
            if (len < 0 || len > maxLen || span.Length - offset < len)
            {
                throw new ModelFormatException($"{path}: token {i} has length {len} (max {maxLen}, {span.Length - offset} bytes left); truncated or corrupt.");
            }

            pieces[i] = span.Slice(offset, len).ToArray();
            offset += len;
        }

        if (offset != span.Length)
        {
            throw new ModelFormatException($"{path}: {span.Length - offset} bytes left after {vocabSize} tokens; the tokenizer does not match the model's vocabulary size.");
        }

        return new SentencePieceBpeTokenizer(pieces, scores, maxLen);
    }

    /// <summary>The raw bytes of token <paramref name="id"/>.</summary>
    public ReadOnlySpan<byte> Piece(int id) => pieces[id];

    /// <summary>The merge score of token <paramref name="id"/>.</summary>
    public float Score(int id) => scores[id];

    /// <summary>
    /// Encodes like llama2.c's <c>encode</c>: optional BOS, a dummy-prefix space for non-empty text, one token per UTF-8
    /// code point (byte fallback to <c>&lt;0xHH&gt;</c> = byte + 3), then greedy merging of the best-scoring adjacent pair.
    /// </summary>
    public int[] Encode(string text, bool bos = true, bool eos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new List<int>(bytes.Length + 3);
        if (bos)
        {
            tokens.Add(Bos);
        }

        if (bytes.Length > 0 && lookup.TryGetValue(" ", out int space))
        {
            tokens.Add(space);
        }

        int start = 0;
        while (start < bytes.Length)
        {
            // One code point: a lead byte and up to 3 continuation bytes (llama2.c caps the buffer at 4).
            int end = start + 1;
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80 && end - start < 4)
            {
                end++;
            }

            if (lookup.TryGetValue(Encoding.Latin1.GetString(bytes, start, end - start), out int id))
            {
                tokens.Add(id);
            }
            else
            {
                for (int i = start; i < end; i++)
                {
                    tokens.Add(bytes[i] + 3);
                }
            }

            start = end;
        }

        MergePairs(tokens);
        if (eos)
        {
            tokens.Add(Eos);
        }

        return [.. tokens];
    }

    /// <summary>Encodes without BOS or EOS: the ids the text itself becomes.</summary>
    public int[] EncodeToIds(string text) => Encode(text, bos: false, eos: false);

    /// <summary>Encodes with BOS when <paramref name="bos"/> is true, without EOS (see <see cref="Encode"/>).</summary>
    public int[] EncodeToIds(string text, bool bos) => Encode(text, bos, eos: false);

    /// <inheritdoc />
    public int BosId => Bos;

    /// <inheritdoc />
    public int EosId => Eos;

    /// <summary>True for BOS: llama2.c's run.c stops when the model starts a new sequence.</summary>
    public bool IsEndOfText(int token) => token == Bos;

    /// <inheritdoc />
    string ITokenizer.Decode(IReadOnlyList<int> ids) => Decode(ids);

    /// <summary>Number of tokens <paramref name="text"/> becomes, without BOS or EOS.</summary>
    public int CountTokens(string text) => EncodeToIds(text).Length;

    /// <summary>
    /// The bytes token <paramref name="token"/> prints as after <paramref name="previous"/>, like llama2.c's <c>decode</c>:
    /// a leading space is dropped right after BOS, and <c>&lt;0xHH&gt;</c> pieces become the raw byte.
    /// </summary>
    public ReadOnlySpan<byte> DecodePiece(int previous, int token)
    {
        if ((uint)token >= (uint)pieces.Length)
        {
            return [];
        }

        ReadOnlySpan<byte> piece = pieces[token];
        if (previous == Bos && piece.Length > 0 && piece[0] == (byte)' ')
        {
            piece = piece[1..];
        }

        if (piece.Length == 6 && piece[0] == (byte)'<' && piece[1] == (byte)'0' && piece[2] == (byte)'x' && piece[5] == (byte)'>'
            && TryHex(piece[3], out int hi) && TryHex(piece[4], out int lo))
        {
            return RawByte((hi << 4) | lo);
        }

        return piece;
    }

    /// <summary>Decodes a token sequence to text, as llama2.c prints it (each token after its predecessor; the first after BOS unless <paramref name="previous"/> says otherwise).</summary>
    public string Decode(IReadOnlyList<int> ids, int previous = Bos)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new List<byte>(ids.Count * 4);
        foreach (int id in ids)
        {
            if (id == Bos)
            {
                previous = id;
                continue; // llama2.c never prints BOS
            }

            foreach (byte b in DecodePiece(previous, id))
            {
                buffer.Add(b);
            }

            previous = id;
        }

        return Encoding.UTF8.GetString([.. buffer]);
    }

    private static readonly byte[][] Bytes = CreateBytes();

    private static byte[][] CreateBytes()
    {
        var all = new byte[256][];
        for (int i = 0; i < 256; i++)
        {
            all[i] = [(byte)i];
        }

        return all;
    }

    private static ReadOnlySpan<byte> RawByte(int value) => Bytes[value];

    private static bool TryHex(byte c, out int value)
    {
        value = c switch
        {
            >= (byte)'0' and <= (byte)'9' => c - '0',
            >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
            >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private void MergePairs(List<int> tokens)
    {
        var pair = new byte[(2 * MaxTokenLength) + 2];
        while (true)
        {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIndex = -1;
            for (int i = 0; i < tokens.Count - 1; i++)
            {
                var a = pieces[tokens[i]];
                var b = pieces[tokens[i + 1]];
                a.CopyTo(pair, 0);
                b.CopyTo(pair, a.Length);
                if (lookup.TryGetValue(Encoding.Latin1.GetString(pair, 0, a.Length + b.Length), out int id) && scores[id] > bestScore)
                {
                    bestScore = scores[id];
                    bestId = id;
                    bestIndex = i;
                }
            }

            if (bestIndex < 0)
            {
                return;
            }

            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
    }
}
