using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>A verb that opens a database of an older schema says on stderr which steps it applies and how long each took.</summary>
public sealed class SchemaUpgradeNoticeTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public async Task Opening_an_older_database_names_each_step_and_its_time_and_a_new_one_says_nothing()
    {
        var (code, _, err) = await cli.RunAsync("add", "Melanie signed up for a pottery class");
        Assert.Equal(0, code);
        Assert.DoesNotContain("schema", err, StringComparison.Ordinal);

        // Back to schema 7 (step 8 only adds an index, step 9 rewrites escaped tags, of which there are none, step 10 keys
        // the tags, step 11 makes the change feed keep a memory's newest entry, step 12 keeps event starts' offsets, step 13
        // recomputes content hashes, of which none differ), as a file written by an earlier release would be.
        using (var raw = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = cli.DbPath, Pooling = false }.ToString()))
        {
            raw.Open();
            using var rewind = raw.CreateCommand();
            rewind.CommandText = SqliteSchemaRewinds.WithoutCanonicalContentHashes + SqliteSchemaRewinds.WithoutValidFromOffsets + SqliteSchemaRewinds.WithoutFeedCompaction + SqliteSchemaRewinds.WithoutTagKeys + """
                DROP INDEX ix_memories_state;
                DELETE FROM schema_migrations WHERE version IN (8, 9);
                PRAGMA user_version = 7;
                """;
            rewind.ExecuteNonQuery();
        }

        (code, string output, err) = await cli.RunAsync("search", "pottery");
        Assert.Equal(0, code);
        Assert.Contains("pottery", output, StringComparison.Ordinal);
        string said = Regex.Replace(err, @"\s+", " ");
        Assert.Contains($"upgrading {cli.DbPath} from schema 7: schema step 8 of 13, an index to count a cube's memories by state", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 8 of 13 done in \d+\.\d s", said);
        Assert.Contains("schema step 9 of 13, tags and keywords indexed as text, not JSON escapes", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 9 of 13 done in \d+\.\d s", said);
        Assert.Contains("schema step 10 of 13, tags match by a case-folded key, beyond ASCII too", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 10 of 13 done in \d+\.\d s", said);
        Assert.Contains("schema step 11 of 13, a memory's newest change-feed entry in a cube replaces its older ones", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 11 of 13 done in \d+\.\d s", said);
        Assert.Contains("schema step 12 of 13, an event start keeps the offset it was given with", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 12 of 13 done in \d+\.\d s", said);
        Assert.Contains("schema step 13 of 13, content hashes ignore line-ending style and leading invisible characters", said, StringComparison.Ordinal);
        Assert.Matches(@"schema step 13 of 13 done in \d+\.\d s", said);

        (code, _, err) = await cli.RunAsync("search", "pottery");
        Assert.Equal(0, code);
        Assert.DoesNotContain("schema", err, StringComparison.Ordinal);
    }
}
