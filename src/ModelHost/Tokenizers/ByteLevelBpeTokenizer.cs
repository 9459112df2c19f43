using AgentMem.Common.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace AgentMem.ModelHost;

/// <summary>
/// Byte-level BPE tokenizer read from a Hugging Face <c>tokenizer.json</c> (GPT-2, Qwen2, SmolLM, LLaMA-3 style): optional Unicode
/// normalisation (NFC/NFKC/…), added and special tokens matched first (longest first), then the pre-tokenizer — a regex
/// <c>Split</c>, <c>Digits</c> and/or <c>ByteLevel</c> (GPT-2's regex when <c>use_regex</c>) — cuts the text into words, and
/// Microsoft.ML.Tokenizers' byte-level <see cref="BpeTokenizer"/> maps each word's UTF-8 bytes to GPT-2's printable
/// byte↔unicode alphabet and merges adjacent symbols by merge rank.
/// </summary>
/// <remarks>
/// The file is read here because the library has no <c>tokenizer.json</c> reader for BPE, and its pre-tokenizers cannot
/// express a <c>Sequence</c> of <c>Split</c>/<c>Digits</c>/<c>ByteLevel</c> with <c>add_prefix_space</c>; the merging is the
/// library's (see <c>README.md</c> beside this file for how the two were checked to give the same ids).
///
/// Other tokenizer.json models (WordPiece, Unigram, or BPE without a ByteLevel pre-tokenizer such as SentencePiece-style
/// Metaspace/byte-fallback files) are refused with a <see cref="ModelFormatException"/>. Regexes run on .NET's engine: the
/// patterns of these tokenizers use only constructs it shares with the Rust one (<c>\p{L}</c>, <c>\p{N}</c>, <c>(?i:…)</c>,
/// lookahead), but letters outside the BMP are not <c>\p{L}</c> to .NET and group with punctuation instead.
/// </remarks>
public sealed partial class ByteLevelBpeTokenizer : ITokenizer
{
    /// <summary>GPT-2's pre-tokenizer regex (ByteLevel with <c>use_regex: true</c>).</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly char[] ByteToChar = CreateByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    private readonly Dictionary<string, int> vocab;
    private readonly BpeTokenizer model;
    private readonly byte[][] pieces;
    private readonly bool[] special;
    private readonly (string Content, int Id)[] added; // longest first
    private readonly List<Func<string, IEnumerable<string>>> preTokenizers;
    private readonly NormalizationForm? normalization;
    private readonly bool ignoreMerges;

    private ByteLevelBpeTokenizer(Dictionary<string, int> vocab, List<string> merges, (string Content, int Id, bool Special)[] addedTokens,
        List<Func<string, IEnumerable<string>>> preTokenizers, NormalizationForm? normalization, bool ignoreMerges, string? unkToken, int bos, int eos, bool prependsBos)
    {
        this.vocab = vocab;
        this.preTokenizers = preTokenizers;
        this.normalization = normalization;
        this.ignoreMerges = ignoreMerges;

        // Words arrive pre-tokenized (EncodeSegment), so the library only maps bytes and merges: no pre-tokenizer, normalizer or specials of its own.
        model = BpeTokenizer.Create(new BpeOptions(vocab) { Merges = merges, ByteLevel = true, UnknownToken = unkToken });
        BosId = bos;
        EosId = eos;
        PrependsBos = prependsBos && bos >= 0;
        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, addedTokens.Length == 0 ? 0 : addedTokens.Max(a => a.Id) + 1);
        VocabSize = size;
        pieces = new byte[size][];
        special = new bool[size];
        foreach (var (token, id) in vocab)
        {
            pieces[id] = TokenBytes(token);
        }

        foreach (var (content, id, isSpecial) in addedTokens)
        {
            pieces[id] = isSpecial ? [] : Encoding.UTF8.GetBytes(content);
            special[id] = isSpecial;
        }

        for (int i = 0; i < size; i++)
        {
            pieces[i] ??= [];
        }

        added = [.. addedTokens.OrderByDescending(a => a.Content.Length).ThenBy(a => a.Id).Select(a => (a.Content, a.Id))];
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int BosId { get; }

    /// <inheritdoc />
    public int EosId { get; }

    /// <summary>
    /// Whether a sequence starts with <see cref="BosId"/> (<see cref="EncodeToIds"/> with <c>bos: true</c>), as Hugging Face's
    /// tokenizer would start it; see <see cref="Load"/> for where this is read.
    /// </summary>
    public bool PrependsBos { get; }

    /// <summary>
    /// Loads <paramref name="path"/>. BOS and EOS are the tokens named by <paramref name="bosToken"/> / <paramref name="eosToken"/>,
    /// else by <c>bos_token</c> / <c>eos_token</c> of a <c>tokenizer_config.json</c> beside it, else (BOS) by the file's
    /// <c>TemplateProcessing</c> post-processor; −1 when none names one.
    /// </summary>
    /// <remarks>
    /// Whether sequences start with BOS (<see cref="PrependsBos"/>) follows Hugging Face: a named <paramref name="bosToken"/> is
    /// always prepended; else <c>add_bos_token</c> of <c>tokenizer_config.json</c> decides; else the file's post-processor does
    /// (a <c>TemplateProcessing</c> whose single-sequence template starts with a special token, or a <c>RobertaProcessing</c> /
    /// <c>BertProcessing</c>, adds one; a <c>ByteLevel</c> one, as GPT-2, Qwen2 and SmolLM have, adds none); with neither,
    /// a named BOS is prepended, as LLaMA tokenizers do by default.
    /// </remarks>
    /// <exception cref="ModelFormatException">Malformed JSON, a model other than byte-level BPE, unsupported pre-tokenizer or normalizer, or inconsistent vocabulary/merges.</exception>
    public static ByteLevelBpeTokenizer Load(string path, string? bosToken = null, string? eosToken = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonDocument doc = JsonFile.Parse(path);

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: no \"model\" object; not a Hugging Face tokenizer.json.");
            }

            string type = StringProperty(model, "type") ?? (model.TryGetProperty("merges", out _) ? "BPE" : "?");
            if (type != "BPE")
            {
                throw new ModelFormatException($"{path}: unsupported model type '{type}'; only byte-level BPE tokenizers are supported.");
            }

            var vocab = ReadVocab(path, model);

            // Before the merges: an unsupported pre-tokenizer (Metaspace) or a missing symbol says more than a merge of it would.
            var pre = ReadPreTokenizer(path, root);
            var norm = ReadNormalizer(path, root);
            foreach (char c in ByteToChar)
            {
                if (!vocab.ContainsKey(c.ToString()))
                {
                    throw new ModelFormatException($"{path}: the vocabulary lacks the byte-level symbol '{c}' (byte 0x{(int)CharToByte[c]:X2}); not a byte-level BPE vocabulary.");
                }
            }

            var merges = ReadMerges(path, model, vocab);
            var addedTokens = ReadAdded(path, root);
            EnsureDenseIds(path, vocab, addedTokens);
            bool ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
            string? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String && vocab.ContainsKey(u.GetString()!) ? u.GetString() : null;

            // BOS/EOS by name: explicit, else tokenizer_config.json.
            string? configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", "tokenizer_config.json");
            (string? cfgBos, string? cfgEos, bool? cfgAddBos) = File.Exists(configPath) ? ReadSpecialNames(configPath) : (null, null, null);
            (bool? templateAddsBos, string? templateBos) = ReadBosTemplate(path, root);
            int Find(string? name, string what)
            {
                if (name is null)
                {
                    return -1;
                }

                foreach (var a in addedTokens)
                {
                    if (a.Content == name)
                    {
                        return a.Id;
                    }
                }

                return vocab.TryGetValue(name, out int id) ? id : throw new ModelFormatException($"{path}: the {what} token '{name}' is not in the vocabulary.");
            }

            int bos = Find(bosToken ?? cfgBos ?? templateBos, "BOS");
            int eos = Find(eosToken ?? cfgEos, "EOS");
            bool prependsBos = bosToken is not null || (cfgAddBos ?? templateAddsBos ?? true);
            return new ByteLevelBpeTokenizer(vocab, merges, addedTokens, pre, norm, ignoreMerges, unk, bos, eos, prependsBos);
        }
    }

    /// <inheritdoc />
    public bool IsEndOfText(int token) => token >= 0 && token == EosId;

    /// <summary>Whether <paramref name="token"/> is an added token marked special (prints nothing).</summary>
    public bool IsSpecial(int token) => (uint)token < (uint)special.Length && special[token];

    /// <summary>Id of a vocabulary or added token's exact string, or −1.</summary>
    public int TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        foreach (var a in added)
        {
            if (a.Content == token)
            {
                return a.Id;
            }
        }

        return vocab.TryGetValue(token, out int id) ? id : -1;
    }

    /// <inheritdoc />
    public int[] EncodeToIds(string text, bool bos) => EncodeMarked(text, bos, markup: null);

    /// <inheritdoc />
    public int[] EncodeText(string text, bool bos) => EncodeMarked(text, bos, markup: []);

    /// <summary>
    /// <see cref="EncodeToIds(string, bool)"/>, but a special token is matched only where it lies inside one of the
    /// <paramref name="markup"/> spans (a chat template's own markers); elsewhere its text is ordinary text, as Hugging Face
    /// encodes with <c>split_special_tokens</c>. Null: matched anywhere.
    /// </summary>
    internal int[] EncodeMarked(string text, bool bos, IReadOnlyList<(int Start, int End)>? markup)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (bos && PrependsBos)
        {
            ids.Add(BosId);
        }

        int start = 0;
        while (start < text.Length)
        {
            // The next added/special token occurrence (earliest, then longest) splits the text; the rest goes through BPE.
            int best = -1, bestAt = text.Length;
            for (int i = 0; i < added.Length; i++)
            {
                var (content, id) = added[i];
                int at = text.IndexOf(content, start, StringComparison.Ordinal);
                while (at >= 0 && at < bestAt && markup is not null && special[id] && !Inside(markup, at, at + content.Length))
                {
                    at = text.IndexOf(content, at + 1, StringComparison.Ordinal); // message text that spells a special token: text
                }

                if (at >= 0 && at < bestAt)
                {
                    (best, bestAt) = (i, at);
                }
            }

            if (bestAt > start)
            {
                EncodeSegment(text[start..bestAt], ids);
            }

            if (best < 0)
            {
                break;
            }

            ids.Add(added[best].Id);
            start = bestAt + added[best].Content.Length;
        }

        return [.. ids];
    }

    private static bool Inside(IReadOnlyList<(int Start, int End)> spans, int start, int end)
    {
        foreach (var (s, e) in spans)
        {
            if (s <= start && end <= e)
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Counted as content (<see cref="EncodeText"/>), as memory and message text is encoded into a prompt: a spelled special
    /// token is several text tokens there, and counting it as one undercounted a context budget.
    /// </remarks>
    public int CountTokens(string text) => EncodeText(text, bos: false).Length;

    /// <inheritdoc />
    public ReadOnlySpan<byte> DecodePiece(int previous, int token) => (uint)token < (uint)pieces.Length ? pieces[token] : [];

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>(ids.Count * 4);
        int previous = -1;
        foreach (int id in ids)
        {
            foreach (byte b in DecodePiece(previous, id))
            {
                bytes.Add(b);
            }

            previous = id;
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private void EncodeSegment(string segment, List<int> ids)
    {
        if (normalization is { } form)
        {
            segment = SafeNormalization.Normalize(segment, form);
        }

        IEnumerable<string> parts = [segment];
        foreach (var step in preTokenizers)
        {
            parts = parts.SelectMany(step).ToList();
        }

        foreach (string word in parts)
        {
            if (word.Length == 0)
            {
                continue;
            }

            // ignore_merges (LLaMA-3): a word that is a vocabulary entry is that entry, whatever the merges would make of it.
            if (ignoreMerges && vocab.TryGetValue(ToByteLevel(word), out int whole))
            {
                ids.Add(whole);
                continue;
            }

            ids.AddRange(model.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false));
        }
    }

    /// <summary>
    /// <paramref name="text"/>'s WTF-8 bytes: UTF-8, but a lone surrogate as its own three bytes (ED A0 BD for U+D83D) rather
    /// than U+FFFD's (EF BF BD), as the library's byte-level BPE encodes it, so ignore_merges looks up the same bytes.
    /// </summary>
    private static byte[] Wtf8(string text)
    {
        if (SafeNormalization.FindLoneSurrogate(text, 0) < 0)
        {
            return Encoding.UTF8.GetBytes(text);
        }

        var bytes = new List<byte>(text.Length * 3);
        Span<byte> buffer = stackalloc byte[4];
        for (int i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int used) == OperationStatus.Done)
            {
                int n = rune.EncodeToUtf8(buffer);
                foreach (byte b in buffer[..n])
                {
                    bytes.Add(b);
                }

                i += used;
            }
            else
            {
                char c = text[i++];
                bytes.Add((byte)(0xE0 | (c >> 12)));
                bytes.Add((byte)(0x80 | ((c >> 6) & 0x3F)));
                bytes.Add((byte)(0x80 | (c & 0x3F)));
            }
        }

        return [.. bytes];
    }

    /// <summary>A piece's text in the byte-level alphabet → its bytes (characters outside the alphabet as UTF-8).</summary>
    private static byte[] TokenBytes(string token)
    {
        var bytes = new List<byte>(token.Length);
        foreach (char c in token)
        {
            if (CharToByte.TryGetValue(c, out byte b))
            {
                bytes.Add(b);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// GPT-2's bytes_to_unicode: printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 bytes
    /// to U+0100 upwards in byte order, so every byte has a visible, non-space character.
    /// </summary>
    private static char[] CreateByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + next++);
        }

        return map;
    }

    /// <summary>Maps a piece's UTF-8 (WTF-8 for lone surrogates) bytes to the byte-level alphabet.</summary>
    private static string ToByteLevel(string piece)
    {
        byte[] bytes = Wtf8(piece);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }

        return new string(chars);
    }

    private static IEnumerable<string> SplitIsolated(Regex regex, string text)
    {
        int last = 0;
        foreach (Match m in regex.Matches(text))
        {
            if (m.Length == 0)
            {
                continue;
            }

            if (m.Index > last)
            {
                yield return text[last..m.Index];
            }

            yield return m.Value;
            last = m.Index + m.Length;
        }

        if (last < text.Length)
        {
            yield return text[last..];
        }
    }

    private static Dictionary<string, int> ReadVocab(string path, JsonElement model)
    {
        if (!model.TryGetProperty("vocab", out var v) || v.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{path}: model.vocab is missing or not an object.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new ModelFormatException($"{path}: vocab entry '{p.Name}' has no valid id.");
            }

            vocab[p.Name] = id;
        }

        return vocab;
    }

    /// <summary>The merges as <c>"left right"</c> strings in rank order (a repeated pair keeps its first rank), each checked against the vocabulary.</summary>
    private static List<string> ReadMerges(string path, JsonElement model, Dictionary<string, int> vocab)
    {
        if (!model.TryGetProperty("merges", out var m) || m.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{path}: model.merges is missing or not an array.");
        }

        var merges = new List<string>();
        var seen = new HashSet<(string, string)>();
        int rank = 0;
        foreach (var e in m.EnumerateArray())
        {
            string? a, b;
            if (e.ValueKind == JsonValueKind.String)
            {
                // "left right": split at the first space (byte-level symbols never contain a space).
                string s = e.GetString()!;
                int space = s.IndexOf(' ', StringComparison.Ordinal);
                (a, b) = space > 0 ? (s[..space], s[(space + 1)..]) : (null, null);
            }
            else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2 && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String)
            {
                (a, b) = (e[0].GetString(), e[1].GetString());
            }
            else
            {
                (a, b) = (null, null);
            }

            if (string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b))
            {
                throw new ModelFormatException($"{path}: merge #{rank} ({e}) is not a pair of symbols.");
            }

            // Both parts too: the library's BpeTokenizer.Create throws InvalidOperationException on a part it does not know.
            foreach (string part in (ReadOnlySpan<string>)[a, b])
            {
                if (!vocab.ContainsKey(part))
                {
                    throw new ModelFormatException($"{path}: merge #{rank} '{a} {b}': '{part}' is not in the vocabulary.");
                }
            }

            if (!vocab.ContainsKey(a + b))
            {
                throw new ModelFormatException($"{path}: merge #{rank} '{a} {b}' produces '{a + b}', which is not in the vocabulary.");
            }

            if (seen.Add((a, b)))
            {
                merges.Add(a + " " + b);
            }

            rank++;
        }

        return merges;
    }

    /// <summary>
    /// Refuses ids far past the number of tokens: the table of pieces is sized by the largest id, so one stray id would wrap
    /// that size (int.MaxValue) or allocate gigabytes (10^9). Real files number their tokens 0 .. n-1, added tokens right after
    /// the vocabulary or repeating one of its ids, so every id is below the number of entries; twice that leaves room for gaps.
    /// </summary>
    private static void EnsureDenseIds(string path, Dictionary<string, int> vocab, (string Content, int Id, bool Special)[] addedTokens)
    {
        long limit = 2L * (vocab.Count + addedTokens.Length);
        foreach (var (token, id) in vocab.Select(p => (p.Key, p.Value)).Concat(addedTokens.Select(a => (a.Content, a.Id))))
        {
            if (id >= limit)
            {
                throw new ModelFormatException($"{path}: token '{token}' has id {id}, but the file holds only {vocab.Count + addedTokens.Length} tokens; ids must be below {limit}.");
            }
        }
    }

    private static (string Content, int Id, bool Special)[] ReadAdded(string path, JsonElement root)
    {
        if (!root.TryGetProperty("added_tokens", out var a) || a.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (a.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFormatException($"{path}: added_tokens is not an array.");
        }

        var list = new List<(string, int, bool)>();
        foreach (var e in a.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int i) || i < 0
                || !e.TryGetProperty("content", out var c) || c.ValueKind != JsonValueKind.String || c.GetString()!.Length == 0)
            {
                throw new ModelFormatException($"{path}: added token {e} needs an id and non-empty content.");
            }

            bool isSpecial = e.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            list.Add((c.GetString()!, i, isSpecial));
        }

        return [.. list];
    }

    private static NormalizationForm? ReadNormalizer(string path, JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (n.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{path}: normalizer is not an object (it is {n.ValueKind}).");
        }

        string type = StringProperty(n, "type") ?? "?";
        return type switch
        {
            "NFC" => NormalizationForm.FormC,
            "NFD" => NormalizationForm.FormD,
            "NFKC" => NormalizationForm.FormKC,
            "NFKD" => NormalizationForm.FormKD,
            "Sequence" when n.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() == 0 => null,
            _ => throw new ModelFormatException($"{path}: unsupported normalizer '{type}' (supported: none, NFC, NFD, NFKC, NFKD)."),
        };
    }

    private static List<Func<string, IEnumerable<string>>> ReadPreTokenizer(string path, JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var p) || p.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFormatException($"{path}: unsupported pre_tokenizer: none; only ByteLevel BPE tokenizers are supported.");
        }

        var steps = new List<Func<string, IEnumerable<string>>>();
        List<JsonElement> items = [p];
        if (StringProperty(p, "type") == "Sequence")
        {
            if (!p.TryGetProperty("pretokenizers", out var seq) || seq.ValueKind != JsonValueKind.Array)
            {
                throw new ModelFormatException($"{path}: the Sequence pre_tokenizer's pretokenizers is not an array.");
            }

            items = [.. seq.EnumerateArray()];
        }

        bool byteLevel = false;
        foreach (var item in items)
        {
            string type = StringProperty(item, "type") ?? "?"; // an item that is no object, or has no string type, is '?'
            switch (type)
            {
                case "Split":
                {
                    string? pattern = item.TryGetProperty("pattern", out var pat)
                        ? StringProperty(pat, "Regex") ?? (StringProperty(pat, "String") is { } literal ? Regex.Escape(literal) : null) : null;
                    string behavior = StringProperty(item, "behavior") ?? "?";
                    bool invert = item.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                    if (pattern is null || behavior != "Isolated" || invert)
                    {
                        throw new ModelFormatException($"{path}: unsupported Split pre-tokenizer (behavior '{behavior}', invert {invert}); only Isolated regex splits are supported.");
                    }

                    Regex regex;
                    try
                    {
                        regex = new Regex(pattern, RegexOptions.CultureInvariant);
                    }
                    catch (ArgumentException e)
                    {
                        throw new ModelFormatException($"{path}: the Split regex cannot be compiled by .NET ({e.Message}).", e);
                    }

                    steps.Add(s => SplitIsolated(regex, s));
                    break;
                }

                case "Digits":
                {
                    bool individual = item.TryGetProperty("individual_digits", out var d) && d.ValueKind == JsonValueKind.True;
                    var regex = individual ? SingleDigit() : DigitRun();
                    steps.Add(s => SplitIsolated(regex, s));
                    break;
                }

                case "ByteLevel":
                {
                    bool prefix = item.TryGetProperty("add_prefix_space", out var ap) && ap.ValueKind == JsonValueKind.True;
                    bool useRegex = !item.TryGetProperty("use_regex", out var ur) || ur.ValueKind != JsonValueKind.False;
                    var gpt2 = Gpt2();
                    steps.Add(s =>
                    {
                        // add_prefix_space: a leading space for every piece that does not start with one (as tokenizers does).
                        if (prefix && !s.StartsWith(' '))
                        {
                            s = " " + s;
                        }

                        return useRegex ? SplitIsolated(gpt2, s) : [s];
                    });
                    byteLevel = true;
                    break;
                }

                default:
                    throw new ModelFormatException($"{path}: unsupported pre_tokenizer '{type}' (supported: ByteLevel, Split, Digits, Sequence of these).");
            }
        }

        if (!byteLevel || StringProperty(items[^1], "type") != "ByteLevel")
        {
            throw new ModelFormatException($"{path}: unsupported pre_tokenizer: a ByteLevel step must come last; this is not a byte-level BPE tokenizer.");
        }

        return steps;
    }

    /// <summary>The string <paramref name="name"/> of object <paramref name="e"/>; null when e is no object, or it is missing or not a string.</summary>
    private static string? StringProperty(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static (string? Bos, string? Eos, bool? AddBos) ReadSpecialNames(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelFormatException($"{path}: not a JSON object; not a tokenizer_config.json.");
            }

            static string? Name(JsonElement root, string key) =>
                !root.TryGetProperty(key, out var v) ? null
                : v.ValueKind == JsonValueKind.String ? v.GetString()
                : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            bool? addBos = !root.TryGetProperty("add_bos_token", out var a) ? null
                : a.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => throw new ModelFormatException($"{path}: add_bos_token is {a.ValueKind}, not true or false."),
                };
            return (Name(root, "bos_token"), Name(root, "eos_token"), addBos);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Whether the file's post-processor starts a single sequence with a special token (null: no post-processor, or one whose
    /// effect is not known), and that token's name when it is a template's.
    /// </summary>
    private static (bool? AddsBos, string? Bos) ReadBosTemplate(string path, JsonElement root)
    {
        if (!root.TryGetProperty("post_processor", out var post) || post.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        var steps = StringProperty(post, "type") == "Sequence" && post.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray()] : new[] { post };
        foreach (var step in steps)
        {
            string? type = StringProperty(step, "type");
            switch (type)
            {
                case "RobertaProcessing" or "BertProcessing":
                    return (true, step.TryGetProperty("cls", out var cls) && cls.ValueKind == JsonValueKind.Array && cls.GetArrayLength() > 0
                        && cls[0].ValueKind == JsonValueKind.String ? cls[0].GetString() : null);
                case "TemplateProcessing":
                    if (!step.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array)
                    {
                        throw new ModelFormatException($"{path}: the TemplateProcessing post-processor has no \"single\" template list.");
                    }

                    if (single.GetArrayLength() > 0 && single[0].ValueKind == JsonValueKind.Object && single[0].TryGetProperty("SpecialToken", out var first))
                    {
                        return (true, first.ValueKind == JsonValueKind.Object && first.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null);
                    }

                    return (false, null);
                case "ByteLevel":
                    break; // offsets only: adds no tokens
                default:
                    return (null, null);
            }
        }

        return (false, null);
    }

    [GeneratedRegex(Gpt2Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Gpt2();

    [GeneratedRegex(@"\p{N}", RegexOptions.CultureInvariant)]
    private static partial Regex SingleDigit();

    [GeneratedRegex(@"\p{N}+", RegexOptions.CultureInvariant)]
    private static partial Regex DigitRun();
}
