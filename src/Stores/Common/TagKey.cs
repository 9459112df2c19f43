using System.Buffers;
using System.Collections.Frozen;

namespace AgentMem.Stores.Common;

/// <summary>
/// The key a tag is stored and matched under (<c>memory_tags.tag_key</c>): two tags have the same key exactly when
/// <c>string.Equals(a, b, StringComparison.OrdinalIgnoreCase)</c> calls them equal, the rule of
/// <see cref="MemoryFilterMatch"/> and so of the in-memory store. Each code point becomes the lowest one that
/// OrdinalIgnoreCase equates with it: "Ärger" and "ärger" are both "ÄRGER". The tag itself is kept as written.
/// </summary>
/// <remarks>
/// Computed here, not by the database, whose case rules are its own: SQLite's NOCASE folds ASCII only, PostgreSQL's
/// lower() follows the locale (nothing beyond ASCII under C; the Kelvin sign to "k" under C.UTF-8, which
/// OrdinalIgnoreCase keeps apart). Derived from OrdinalIgnoreCase itself rather than from ToUpperInvariant, which
/// disagrees with it: "ſ" upper-cases to "S", which OrdinalIgnoreCase keeps apart, and the machine's ICU may lack letters
/// .NET's own tables case.
/// </remarks>
internal static class TagKey
{
    /// <summary>The key of <paramref name="tag"/>, as long as the tag (in UTF-16 units).</summary>
    public static string Of(string tag)
    {
        // No character beyond ASCII is equated with an ASCII one (OrdinalIgnoreCase keeps "ı", "ſ" and the Kelvin sign
        // apart): ASCII tags need no table.
        if (Ascii.IsValid(tag))
        {
            return tag.ToUpperInvariant();
        }

        return string.Create(tag.Length, tag, static (key, tag) =>
        {
            for (int i = 0; i < tag.Length;)
            {
                if (Rune.DecodeFromUtf16(tag.AsSpan(i), out Rune rune, out int used) == OperationStatus.Done)
                {
                    (Folding.Lowest.TryGetValue(rune.Value, out int lowest) ? new Rune(lowest) : rune).EncodeToUtf16(key[i..]);
                }
                else
                {
                    // An unpaired surrogate equals only itself.
                    key[i] = tag[i];
                    used = 1;
                }

                i += used;
            }
        });
    }

    /// <summary>
    /// Every code point whose key is another, in code point order (translate() looks each character up from the start, so
    /// the Latin letters come first), and that key at the same position: the arguments of an SQL
    /// <c>translate(tag, from, to)</c> that computes <see cref="Of"/> in the database.
    /// </summary>
    public static (string From, string To) Translation()
    {
        var folds = Folding.Lowest.OrderBy(f => f.Key).ToList();
        return (string.Concat(folds.Select(f => char.ConvertFromUtf32(f.Key))), string.Concat(folds.Select(f => char.ConvertFromUtf32(f.Value))));
    }

    /// <summary>Built on first use (tens of milliseconds), which ASCII tags never make.</summary>
    private static class Folding
    {
        /// <summary>Each code point that OrdinalIgnoreCase equates with a lower one, and the lowest such.</summary>
        public static readonly FrozenDictionary<int, int> Lowest = Build();

        // Unicode cases letters in the first two planes only (TagKeyTests checks every code point against OrdinalIgnoreCase).
        // A code point always keys to one of the same plane: OrdinalIgnoreCase compares UTF-16 units, so it never equates a
        // surrogate pair with a single unit.
        private static FrozenDictionary<int, int> Build()
        {
            var first = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var lowest = new Dictionary<int, int>();
            for (int codePoint = 0; codePoint < 0x20000; codePoint++)
            {
                if (!Rune.IsValid(codePoint))
                {
                    continue;
                }

                string text = char.ConvertFromUtf32(codePoint);
                if (first.TryGetValue(text, out int low))
                {
                    lowest[codePoint] = low;
                }
                else
                {
                    first.Add(text, codePoint);
                }
            }

            return lowest.ToFrozenDictionary();
        }
    }
}
