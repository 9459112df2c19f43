using System.Text;
using AgentMem.Stores.Common;

namespace AgentMem.Stores.Tests;

public sealed class TagKeyTests
{
    [Fact]
    public void Two_code_points_share_a_key_exactly_when_ordinal_ignore_case_calls_them_equal()
    {
        // Every code point, in every plane: its key is one OrdinalIgnoreCase equates with it, and no two different keys are
        // equated with each other (so the ASCII shortcut and the two planes the table covers miss nothing).
        var keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var wrong = new List<string>();
        for (int codePoint = 0; codePoint <= 0x10FFFF; codePoint++)
        {
            if (!Rune.IsValid(codePoint))
            {
                continue;
            }

            string text = char.ConvertFromUtf32(codePoint);
            string key = TagKey.Of(text);
            if (!string.Equals(text, key, StringComparison.OrdinalIgnoreCase) || (keys.TryGetValue(key, out string? other) && other != key))
            {
                wrong.Add($"U+{codePoint:X4}");
            }

            keys.TryAdd(key, key);
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void A_tag_keys_code_point_by_code_point_and_keeps_its_length()
    {
        Assert.Equal("ÄRGER", TagKey.Of("Ärger"));
        Assert.Equal(TagKey.Of("ärger"), TagKey.Of("ÄRGER"));
        Assert.Equal("CORE-BLOCK", TagKey.Of("core-block"));
        Assert.NotEqual(TagKey.Of("sun"), TagKey.Of("\u017Fun")); // ToUpperInvariant would make both "SUN"
        Assert.Equal(TagKey.Of("\U00010428x"), TagKey.Of("\U00010400X")); // Deseret, a surrogate pair
        Assert.Equal("A\uD800B", TagKey.Of("a\uD800b")); // an unpaired surrogate stays as it is
    }

    [Fact]
    public void The_translation_for_sql_gives_the_same_keys()
    {
        var (from, to) = TagKey.Translation();
        var map = from.EnumerateRunes().Zip(to.EnumerateRunes()).ToDictionary(p => p.First, p => p.Second);
        foreach (string tag in new[] { "Ärger", "Σοφία", "straße", "\u212A", "\u0130zmir", "\u017Fun", "Work", "\U00010428" })
        {
            string translated = string.Concat(tag.EnumerateRunes().Select(r => map.GetValueOrDefault(r, r).ToString()));
            Assert.Equal(TagKey.Of(tag), translated);
        }
    }
}
