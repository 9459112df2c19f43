using AgentMem.Stores.InMemory;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>The in-memory store's analyzer splits text into the terms the SQLite store's FTS5 tokenizer makes of it.</summary>
public sealed class LexicalAnalyzerTests
{
    [Theory]
    [InlineData("Deseret 𐐷𐐸𐐮 and 𐐏𐐯𐑊𐐬 words")] // letters beyond the BMP, upper case folded too
    [InlineData("an ideograph 𠀀 of Extension B")]
    [InlineData("Adlam 𞤀𞤢 and Osage 𐒰𐓘")] // beyond the BMP FTS5 folds Deseret alone
    [InlineData("Chapter Ⅻ, x² and ½ cup")] // letter numbers (Nl) and other numbers (No)
    [InlineData("private \uE000use and Café déjà vu")]
    [InlineData("running runners ran")]
    public void Terms_are_those_of_the_sqlite_stores_full_text_tokenizer(string text)
    {
        Assert.Equal(Fts5Terms(text), LexicalAnalyzer.Terms(text).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>The distinct terms FTS5 indexes <paramref name="text"/> under, with the SQLite store's tokenizer.</summary>
    private static List<string> Fts5Terms(string text)
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row');
            INSERT INTO t(x) VALUES ($text);
            SELECT term FROM v;
            """;
        cmd.Parameters.AddWithValue("$text", text);
        var terms = new List<string>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            terms.Add(reader.GetString(0));
        }

        return [.. terms.Order(StringComparer.Ordinal)];
    }
}
