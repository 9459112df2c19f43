using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.MemoryCore.Tests;

public sealed class ContentRulesTests
{
    [Fact]
    public void The_limit_counts_utf8_bytes_not_characters()
    {
        ContentRules.ValidateText(new string('€', 10), 30); // 3 bytes each
        Assert.Throws<ContentTooLargeException>(() => ContentRules.ValidateText(new string('€', 11), 30));
    }

    [Fact]
    public void Paired_surrogates_are_fine_and_unpaired_ones_are_not()
    {
        ContentRules.ValidateText("emoji 😀 ok", 100);
        var ex = Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateText("x\uD83D", 100));
        Assert.Contains("index 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_ignores_surrounding_whitespace_and_unicode_normalisation_but_not_kind()
    {
        string composed = "caf\u00e9";
        string decomposed = "cafe\u0301";
        Assert.Equal(ContentRules.ComputeHash(MemoryKind.Plaintext, composed, null), ContentRules.ComputeHash(MemoryKind.Plaintext, "  " + decomposed + "\n", null));
        Assert.NotEqual(ContentRules.ComputeHash(MemoryKind.Plaintext, composed, null), ContentRules.ComputeHash(MemoryKind.Activation, composed, null));
        Assert.NotEqual(ContentRules.ComputeHash(MemoryKind.Plaintext, "Café", null), ContentRules.ComputeHash(MemoryKind.Plaintext, composed, null));
    }

    [Theory]
    [InlineData("line one\r\nline two")] // Windows
    [InlineData("line one\rline two")] // classic Mac
    [InlineData("line one\u2028line two")] // a line separator
    [InlineData("\uFEFFline one\nline two")] // a byte order mark a tool kept
    [InlineData(" \u200B\uFEFF line one\nline two \r\n")]
    public void Hash_ignores_line_ending_style_and_leading_invisible_characters(string copy)
    {
        // The same note from a Windows file and a Unix one was stored twice, and both took places in every context.
        Assert.Equal(ContentRules.ComputeHash(MemoryKind.Plaintext, "line one\nline two", null), ContentRules.ComputeHash(MemoryKind.Plaintext, copy, null));
    }

    [Fact]
    public void Hash_still_tells_apart_texts_that_differ_in_what_shows()
    {
        string hash = ContentRules.ComputeHash(MemoryKind.Plaintext, "line one\nline two", null);
        Assert.NotEqual(hash, ContentRules.ComputeHash(MemoryKind.Plaintext, "line one\n\nline two", null));
        Assert.NotEqual(hash, ContentRules.ComputeHash(MemoryKind.Plaintext, "line one line two", null));
        Assert.NotEqual(hash, ContentRules.ComputeHash(MemoryKind.Plaintext, "line\u200Bone\nline two", null)); // inside the text, it is kept
    }

    [Fact]
    public void Labels_are_trimmed_and_deduplicated_and_blank_ones_rejected()
    {
        Assert.Equal(["Work", "home"], ContentRules.NormalizeLabels([" Work", "work ", "home"], "tag"));
        Assert.Throws<MemoryValidationException>(() => ContentRules.NormalizeLabels(["ok", " "], "tag"));
        Assert.Throws<MemoryValidationException>(() => ContentRules.NormalizeLabels([new string('t', 129)], "tag"));
    }

    [Fact]
    public void Labels_are_kept_composed_so_two_spellings_that_look_alike_are_one()
    {
        // "Ä" typed composed (NFC) and sent decomposed (NFD, as macOS file names are) were kept as two tags that look the same.
        Assert.Equal(["\u00C4rger", "caf\u00E9"], ContentRules.NormalizeLabels(["A\u0308rger", "\u00C4rger", " cafe\u0301 "], "tag"));
    }

    [Theory]
    [InlineData("\u200B")] // zero width space
    [InlineData("\uFEFF")] // a byte order mark
    [InlineData("\u2060\u200C\u200D")] // word joiner, zero width non-joiner and joiner
    [InlineData(" \u200B\t\uFEFF\n")]
    [InlineData("\u00AD")] // soft hyphen
    [InlineData("\u3164\uFE0F")] // Hangul filler, variation selector: default-ignorable, though not format characters
    public void Text_of_white_space_and_invisible_characters_alone_is_blank(string text)
    {
        // Format characters are not white space: a memory of "\u200B" was stored, and rendered as an empty line.
        var ex = Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateText(text, 100));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
        var query = Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateQuery(text, 100));
        Assert.StartsWith("The query is empty", query.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("remember", query.Message, StringComparison.Ordinal); // a search has nothing to search for, not to remember
        Assert.Null(ContentRules.Optional(text, 100, "actor"));
        Assert.Throws<MemoryValidationException>(() => ContentRules.NormalizeLabels(["ok", text], "tag"));
    }

    [Fact]
    public void Text_with_a_visible_character_beside_invisible_ones_is_not_blank()
    {
        ContentRules.ValidateText("\uFEFFword\u200B", 100);
        Assert.Equal("\u200Bann", ContentRules.Optional(" \u200Bann ", 100, "actor"));
        ContentRules.ValidateText("e\u0301", 100);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Importance_outside_zero_to_one_is_rejected(double value) =>
        Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateUnit(value, "importance"));

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.000001)]
    [InlineData(1e300)]
    [InlineData(double.NaN)]
    public void A_link_weight_outside_zero_to_one_is_rejected(double weight)
    {
        var target = MemoryCore.Identity.MemoryId.NewId();
        var ex = Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateLinks([new MemoryLink(target, "related", weight)]));
        Assert.Contains(target.ToString(), ex.Message, StringComparison.Ordinal);
        Assert.Equal([0.0, 1.0], ContentRules.ValidateLinks([new MemoryLink(target, "related", 0), new MemoryLink(target, "related", 1)]).Select(l => l.Weight));
    }

    [Fact]
    public void An_interval_may_not_end_before_it_starts()
    {
        var t = DateTimeOffset.UtcNow;
        ContentRules.ValidateInterval(t, t);
        Assert.Throws<MemoryValidationException>(() => ContentRules.ValidateInterval(t, t.AddSeconds(-1)));
    }

    [Fact]
    public void Scope_names_are_validated()
    {
        Assert.Throws<MemoryValidationException>(() => new Scope(" "));
        Assert.Throws<MemoryValidationException>(() => new Scope("acme", user: "bad\nname"));
        Assert.Null(new Scope("acme", user: "  ").User);
        Assert.Equal("acme", new Scope(" acme ").Tenant);
    }
}
