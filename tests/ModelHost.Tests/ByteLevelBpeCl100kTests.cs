using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AgentMem.ModelHost.Tests;

/// <summary>
/// A real 100k-token byte-level BPE: OpenAI's cl100k_base ranks (from the Microsoft.ML.Tokenizers.Data.Cl100kBase package)
/// written out as a Hugging Face <c>tokenizer.json</c> (vocab, merges derived from the ranks, the split regex, the specials),
/// loaded by <see cref="ByteLevelBpeTokenizer"/> and compared id for id with tiktoken's own rank-based encoding
/// (<see cref="TiktokenTokenizer"/>) over every LoCoMo turn, edge cases and seeded random strings.
/// </summary>
public sealed class ByteLevelBpeCl100kTests : IClassFixture<ByteLevelBpeCl100kTests.Converted>
{
    /// <summary>cl100k's pattern in the Hugging Face form (no possessive quantifiers, which .NET lacks).</summary>
    private const string Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Dictionary<string, int> Specials = new()
    {
        ["<|endoftext|>"] = 100257, ["<|fim_prefix|>"] = 100258, ["<|fim_middle|>"] = 100259, ["<|fim_suffix|>"] = 100260, ["<|endofprompt|>"] = 100276,
    };

    private readonly Converted converted;

    public ByteLevelBpeCl100kTests(Converted converted) => this.converted = converted;

    [Fact]
    public void Every_locomo_turn_encodes_as_tiktoken_does()
    {
        long tokens = 0;
        foreach (string text in LocomoTurns.Texts)
        {
            int[] ours = converted.Tokenizer.EncodeToIds(text, bos: false);
            Assert.Equal(converted.Reference.EncodeToIds(text), ours);
            Assert.Equal(text, converted.Tokenizer.Decode(ours));
            tokens += ours.Length;
        }

        Assert.True(LocomoTurns.Texts.Count > 5_000 && tokens > 100_000, $"{LocomoTurns.Texts.Count} turns, {tokens} tokens");
    }

    [Theory]
    [InlineData("I'd've, you'll, it's, HE'LL, I'M")] // contractions, case-insensitive
    [InlineData("numbers 1234567 and 3.14159, 2024-11-23")] // \p{N}{1,3}
    [InlineData("tabs\tand\nnewlines\r\n\n  indented\n\n\n   ")] // \s*[\r\n]+ and \s+(?!\S)
    [InlineData("!!!???... ''quoted'' --dash-- @#$%^&*()")]
    [InlineData("héllo wörld, ça va? ﬁ ligature, cafe\u0301")] // accents precomposed and combining
    [InlineData("日本語のテキストです。한국어 텍스트")]
    [InlineData("emoji 🎉👍🏽 and a family 👨‍👩‍👧 ok 💩💩💩")]
    [InlineData("𝐀𝐁𝐂 math bold, 𐍈 gothic")] // outside the BMP
    [InlineData("a\u00A0b\u2003c\u3000d ｈｅｌｌｏ ٠١٢ १२३")]
    [InlineData("hello<|endoftext|>world<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|><|endofprompt|>")]
    [InlineData("<|endoftext|><|endoftext|> <|endoftext|>")]
    [InlineData("")]
    public void Edge_cases_encode_as_tiktoken_does(string text) =>
        Assert.Equal(converted.Reference.EncodeToIds(text), converted.Tokenizer.EncodeToIds(text, bos: false));

    [Fact]
    public void Long_inputs_and_random_strings_encode_as_tiktoken_does()
    {
        string[] longOnes = [new string('x', 20_000), string.Concat(Enumerable.Repeat("ab ", 5_000)), string.Join('\n', LocomoTurns.Texts.Take(500)), new string(' ', 3_000) + "end"];
        foreach (string text in longOnes)
        {
            Assert.Equal(converted.Reference.EncodeToIds(text), converted.Tokenizer.EncodeToIds(text, bos: false));
        }

        string[] pieces = ["a", "Z", "0", "9", " ", "\n", "\t", "\r", "'", "!", "?", ".", ",", "-", "_", "é", "ß", "Ø", "日", "本", "한", "🎉", "👍🏽", "\u200d", "\u0301", "𝐀", "\u00A0", "\u3000", "'s", "'LL", "123", "    ", "<|endoftext|>"];
        var random = new Random(20240917);
        for (int i = 0; i < 2_000; i++)
        {
            var sb = new StringBuilder();
            for (int n = random.Next(0, 40); n > 0; n--)
            {
                sb.Append(pieces[random.Next(pieces.Length)]);
            }

            string text = sb.ToString();
            Assert.True(converted.Reference.EncodeToIds(text).SequenceEqual(converted.Tokenizer.EncodeToIds(text, bos: false)), JsonSerializer.Serialize(text));
        }
    }

    /// <summary>The converted tokenizer.json, loaded once for the class (deriving 100k merges takes seconds).</summary>
    public sealed class Converted : IDisposable
    {
        private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-cl100k-{Guid.NewGuid():N}");

        public Converted()
        {
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "tokenizer.json");
            File.WriteAllText(path, TokenizerJson(ReadRanks()));
            Tokenizer = ByteLevelBpeTokenizer.Load(path, eosToken: "<|endoftext|>");
            Reference = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        }

        public ByteLevelBpeTokenizer Tokenizer { get; }

        public TiktokenTokenizer Reference { get; }

        public void Dispose() => Directory.Delete(folder, recursive: true);

        /// <summary>The package's ranks file: a count line, then one base64 token per line in rank order.</summary>
        private static List<byte[]> ReadRanks()
        {
            var assembly = Assembly.Load("Microsoft.ML.Tokenizers.Data.Cl100kBase");
            using var inflated = new DeflateStream(assembly.GetManifestResourceStream("cl100k_base.tiktoken.deflate")!, CompressionMode.Decompress);
            using var reader = new StreamReader(inflated);
            var ranks = new List<byte[]>();
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && !line.StartsWith("Capacity:", StringComparison.Ordinal))
                {
                    ranks.Add(Convert.FromBase64String(line.Split(' ')[0]));
                }
            }

            return ranks;
        }

        /// <summary>
        /// Vocab: each token's bytes in GPT-2's byte↔unicode alphabet, id = rank. Merges, in rank order: the two parts that
        /// tiktoken's own merging (lowest-ranked adjacent pair first, over ranks below the token's) leaves the token's bytes in.
        /// </summary>
        private static string TokenizerJson(List<byte[]> ranks)
        {
            var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < ranks.Count; i++)
            {
                rankOf[Convert.ToBase64String(ranks[i])] = i;
            }

            char[] alphabet = ByteAlphabet();
            string Symbols(IEnumerable<byte> bytes) => new([.. bytes.Select(b => alphabet[b])]);
            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            var merges = new List<string>();
            for (int i = 0; i < ranks.Count; i++)
            {
                vocab[Symbols(ranks[i])] = i;
                if (ranks[i].Length < 2)
                {
                    continue;
                }

                var parts = ranks[i].Select(b => new[] { b }).ToList();
                while (true)
                {
                    int best = int.MaxValue, at = -1;
                    for (int j = 0; j < parts.Count - 1; j++)
                    {
                        if (rankOf.TryGetValue(Convert.ToBase64String([.. parts[j], .. parts[j + 1]]), out int r) && r < i && r < best)
                        {
                            (best, at) = (r, j);
                        }
                    }

                    if (at < 0)
                    {
                        break;
                    }

                    parts[at] = [.. parts[at], .. parts[at + 1]];
                    parts.RemoveAt(at + 1);
                }

                Assert.Equal(2, parts.Count); // every cl100k token is one merge of two lower-ranked ones
                merges.Add(Symbols(parts[0]) + " " + Symbols(parts[1]));
            }

            var doc = new Dictionary<string, object?>
            {
                ["version"] = "1.0",
                ["added_tokens"] = Specials.Select(s => new { id = s.Value, content = s.Key, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }).ToArray(),
                ["normalizer"] = null,
                ["pre_tokenizer"] = new
                {
                    type = "Sequence",
                    pretokenizers = new object[]
                    {
                        new { type = "Split", pattern = new { Regex = Pattern }, behavior = "Isolated", invert = false },
                        new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
                    },
                },
                ["model"] = new Dictionary<string, object?> { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges },
            };
            return JsonSerializer.Serialize(doc);
        }

        /// <summary>GPT-2's bytes_to_unicode, written out here: printable Latin-1 bytes as themselves, the rest from U+0100 up.</summary>
        private static char[] ByteAlphabet()
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
    }
}
