using AgentMem.Common.Traces;

namespace AgentMem.Common.Tests.Traces;

public sealed class TraceScanTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), $"agentmem-traces-{Guid.NewGuid():N}");

    public TraceScanTests() => Directory.CreateDirectory(folder);

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void A_file_that_cannot_be_read_is_reported_and_the_rest_is_still_scanned()
    {
        // /proc/self/mem opens but fails to read at offset 0 (EIO), even for root, whom a chmod would not stop.
        Assert.True(File.Exists("/proc/self/mem"), "a Linux /proc is needed to make a file that cannot be read");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "the zorblax token is here");

        var found = TraceScan.Find(["/proc/self/mem", folder], "zorblax");

        Assert.Contains(found, h => h.Path == "/proc/self/mem" && h.Unreadable);
        Assert.Contains(found, h => h.Path == Path.Combine(folder, "notes.txt") && h.Encoding == "utf-8");
    }

    [Fact]
    public void The_tail_of_a_long_token_is_found_when_a_surrogate_pair_straddles_its_middle()
    {
        // FTS5 may keep only a term's tail; a cut inside the pair encoded U+FFFD, which no file holds.
        const string token = "abcde𠀋fghij";
        File.WriteAllBytes(Path.Combine(folder, "fts.page"), System.Text.Encoding.UTF8.GetBytes("xx de𠀋fghij yy"));

        Assert.Equal("utf-8, tail", Assert.Single(TraceScan.Find([folder], token)).Encoding);
    }

    [Theory]
    [InlineData("Zoë", "xx zoe yy")]
    [InlineData("Zoe\u0308", "xx zoe yy")] // decomposed: FTS5 drops the combining mark itself
    [InlineData("MÜLLER", "xx muller yy")]
    [InlineData("Ǖber", "xx uber yy")] // two diacritics on one letter (remove_diacritics 2)
    public void A_token_is_found_as_fts5_stores_it_without_its_diacritics(string token, string content)
    {
        // SQLite's index is 'unicode61 remove_diacritics 2': a leftover term of "Zoë" is "zoe" there.
        File.WriteAllText(Path.Combine(folder, "fts.page"), content);

        Assert.Equal("utf-8, without diacritics", Assert.Single(TraceScan.Find([folder], token)).Encoding);
    }

    [Fact]
    public void A_long_token_is_found_by_the_tail_of_its_form_without_diacritics()
    {
        File.WriteAllText(Path.Combine(folder, "fts.page"), "xx koniginnen yy");

        Assert.Equal("utf-8, tail", Assert.Single(TraceScan.Find([folder], "Schönheitsköniginnen")).Encoding);
    }

    [Fact]
    public void Diacritics_are_kept_outside_latin_as_fts5_keeps_them()
    {
        // FTS5 strips them from Latin letters only: a Cyrillic "й" is stored as it is, and "и" is another letter.
        File.WriteAllText(Path.Combine(folder, "fts.page"), "xx мои yy");

        Assert.Empty(TraceScan.Find([folder], "мой"));
    }

    [Fact]
    public void Utf16_copies_are_found_and_a_clean_folder_has_no_hits()
    {
        File.WriteAllBytes(Path.Combine(folder, "page.bin"), System.Text.Encoding.Unicode.GetBytes("xx Zorblax yy"));
        Assert.Equal("utf-16le", Assert.Single(TraceScan.Find([folder], "Zorblax")).Encoding);
        Assert.Empty(TraceScan.Find([folder], "quuxwidget"));
    }
}
