namespace AgentMem.ModelHost;

/// <summary>
/// SentencePiece-BPE tokenizer read from llama2.c's <c>tokenizer.bin</c> (int32 max_token_length, then per token:
/// float32 score, int32 length, UTF-8 bytes). Encodes and decodes exactly as llama2.c's run.c.
/// </summary>
public sealed class SentencePieceBpeTokenizer : ITokenizer
{
    /// <summary>Id of the unknown token.</summary>
    public const int Unk = 0;

    /// <summary>Id of the beginning-of-sequence token.</summary>
    public const int Bos = 1;

    /// <summary>Id of the end-of-sequence token.</summary>
    public const int Eos = 2;

    // Pieces are arbitrary bytes; Latin-1 maps each byte to one char, so a string key is an exact byte key.
    private readonly Dictionary<string, int> lookup;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> spanLookup; // lookup without allocating a key
    private readonly string[] latin1Pieces; // each piece as its Latin-1 string, the form the lookup's keys take
    private readonly byte[][] pieces;
    private readonly float[] scores;

    private SentencePieceBpeTokenizer(byte[][] pieces, float[] scores, int maxTokenLength)
    {
        this.pieces = pieces;
        this.scores = scores;
        MaxTokenLength = maxTokenLength;
        lookup = new Dictionary<string, int>(pieces.Length, StringComparer.Ordinal);
        latin1Pieces = new string[pieces.Length];
        for (int i = 0; i < pieces.Length; i++)
        {
            latin1Pieces[i] = Encoding.Latin1.GetString(pieces[i]);
            lookup.TryAdd(latin1Pieces[i], i); // first wins on duplicates
        }

        spanLookup = lookup.GetAlternateLookup<ReadOnlySpan<char>>();
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
    public int[] Encode(string text, bool bos = true, bool eos = false) => EncodeCore(text, bos, eos, dummyPrefix: true);

    /// <summary>
    /// Encodes text that continues a sequence as written: no BOS and no dummy-prefix space, so <c>", there"</c> after
    /// <c>"Once upon a time"</c> becomes the tokens it has in <c>"Once upon a time, there"</c> (where no merge spans the join).
    /// </summary>
    public int[] EncodeContinuation(string text) => EncodeCore(text, bos: false, eos: false, dummyPrefix: false);

    private int[] EncodeCore(string text, bool bos, bool eos, bool dummyPrefix)
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new List<int>(bytes.Length + 3);
        if (bos)
        {
            tokens.Add(Bos);
        }

        if (dummyPrefix && bytes.Length > 0 && lookup.TryGetValue(" ", out int space))
        {
            tokens.Add(space);
        }

        Span<char> codePoint = stackalloc char[4]; // the code point's bytes as Latin-1 chars: the lookup's key form
        int start = 0;
        while (start < bytes.Length)
        {
            // One code point: a lead byte and up to 3 continuation bytes (llama2.c caps the buffer at 4).
            int end = start + 1;
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80 && end - start < 4)
            {
                end++;
            }

            for (int i = start; i < end; i++)
            {
                codePoint[i - start] = (char)bytes[i];
            }

            if (spanLookup.TryGetValue(codePoint[..(end - start)], out int id))
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

    /// <summary>True for UNK, BOS and EOS (ids 0 to 2, SentencePiece's control tokens): they have no text of their own.</summary>
    public bool IsSpecial(int token) => token is >= Unk and <= Eos;

    /// <inheritdoc />
    string ITokenizer.Decode(IReadOnlyList<int> ids) => Decode(ids);

    /// <summary>Number of tokens <paramref name="text"/> becomes, without BOS or EOS.</summary>
    public int CountTokens(string text) => EncodeToIds(text).Length;

    /// <summary>
    /// The bytes token <paramref name="token"/> prints as after <paramref name="previous"/>, like llama2.c's <c>decode</c>:
    /// a leading space is dropped right after BOS, and <c>&lt;0xHH&gt;</c> pieces become the raw byte. The control tokens print
    /// their pieces as run.c does (EOS <c>"\n&lt;/s&gt;\n"</c>, UNK <c>&lt;unk&gt;</c>); <see cref="Decode"/> leaves them out.
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

    /// <summary>
    /// Decodes a token sequence to text, as llama2.c prints it (each token after its predecessor; the first after BOS unless
    /// <paramref name="previous"/> says otherwise) except that the control tokens (<see cref="IsSpecial"/>: UNK, BOS, EOS)
    /// print nothing: run.c never prints BOS, and EOS's and UNK's pieces are markers, not text.
    /// </summary>
    public string Decode(IReadOnlyList<int> ids, int previous = Bos)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new List<byte>(ids.Count * 4);
        foreach (int id in ids)
        {
            if (IsSpecial(id))
            {
                previous = id;
                continue; // no text: llama2.c never prints BOS, and UNK's and EOS's pieces are markers
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

    /// <summary>
    /// llama2.c's merge loop: repeatedly merge the adjacent pair whose concatenation is the piece with the highest score
    /// (strictly above -1e10; the leftmost pair on ties), until no adjacent pair is a piece. Instead of rescanning every
    /// pair per merge (quadratic), the symbols form a doubly linked list and the candidate pairs a priority queue keyed by
    /// (score descending, left position ascending); an entry whose symbols merged since it was pushed is stale and
    /// skipped when popped. Every live adjacent mergeable pair always has a live entry, so the first live entry popped
    /// is exactly the pair the rescan would pick: the ids are the same, in O(n log n).
    /// </summary>
    private void MergePairs(List<int> tokens)
    {
        int n = tokens.Count;
        if (n < 2)
        {
            return;
        }

        int[] ids = [.. tokens];
        var next = new int[n];
        var prev = new int[n];
        var version = new int[n]; // bumped whenever a symbol changes (merged into its left neighbour or absorbs its right one)
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }

        var pair = new char[2 * MaxTokenLength];
        var queue = new PriorityQueue<MergeCandidate, MergeCandidate>(n, MergeCandidateComparer.Instance);
        for (int i = 0; i + 1 < n; i++)
        {
            TryQueue(i, i + 1);
        }

        while (queue.TryDequeue(out var c, out _))
        {
            int left = c.Left;
            int right = c.Right;
            if (ids[left] < 0 || ids[right] < 0 || next[left] != right || version[left] != c.LeftVersion || version[right] != c.RightVersion)
            {
                continue; // stale: one of its symbols merged since the entry was pushed
            }

            ids[left] = c.Id;
            ids[right] = -1;
            version[left]++;
            version[right]++;
            int after = next[right];
            next[left] = after;
            if (after >= 0)
            {
                prev[after] = left;
            }

            if (prev[left] >= 0)
            {
                TryQueue(prev[left], left);
            }

            if (after >= 0)
            {
                TryQueue(left, after);
            }
        }

        tokens.Clear();
        for (int i = 0; i >= 0; i = next[i])
        {
            tokens.Add(ids[i]); // symbol 0 is never a right-hand side, so it is the head of the list
        }

        void TryQueue(int left, int right)
        {
            string a = latin1Pieces[ids[left]];
            string b = latin1Pieces[ids[right]];
            a.CopyTo(pair);
            b.CopyTo(pair.AsSpan(a.Length));
            // Same test as llama2.c's "scores[id] > best_score" with best_score starting at -1e10 (a NaN score never merges).
            if (spanLookup.TryGetValue(pair.AsSpan(0, a.Length + b.Length), out int id) && scores[id] > -1e10f)
            {
                var candidate = new MergeCandidate(scores[id], left, right, version[left], version[right], id);
                queue.Enqueue(candidate, candidate);
            }
        }
    }

    private readonly record struct MergeCandidate(float Score, int Left, int Right, int LeftVersion, int RightVersion, int Id);

    /// <summary>Orders candidates best first: higher score, then the leftmost (llama2.c keeps the first of equal scores).</summary>
    private sealed class MergeCandidateComparer : IComparer<MergeCandidate>
    {
        public static readonly MergeCandidateComparer Instance = new();

        public int Compare(MergeCandidate x, MergeCandidate y)
        {
            // "<" and ">" rather than CompareTo: exactly the relation llama2.c's ">" sees (scores are never NaN here).
            if (x.Score > y.Score)
            {
                return -1;
            }

            if (x.Score < y.Score)
            {
                return 1;
            }

            return x.Left.CompareTo(y.Left);
        }
    }
}
