using Microsoft.Data.Sqlite;

namespace AgentMem.Cli.Tests;

/// <summary>
/// <c>agentmem add</c> on a full database: one line on stderr and exit code 1 (a user-fixable condition), not a stack
/// trace. The database is made full without a full disk: a pooled connection, opened with the very connection string
/// the store uses, is given SQLite's <c>max_page_count</c> at the current size; the in-process CLI's store takes it
/// from the pool, so its next write that needs a page fails with SQLITE_FULL as ENOSPC would.
/// </summary>
public sealed class DiskFullVerbTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        cli.Dispose();
    }

    [Fact]
    public async Task Add_on_a_full_database_prints_one_error_line_and_exits_1_and_search_still_answers()
    {
        Assert.Equal(0, (await cli.RunAsync("add", "Alice planted tomatoes in the garden")).Code);
        SqliteConnection.ClearAllPools();
        cli.CapAtCurrentSize();

        var (code, output, err) = await cli.RunAsync("add", "Alice's long diary entry: " + new string('d', 6000));

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        string line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("full", line, StringComparison.Ordinal);
        Assert.Contains(cli.DbPath, line, StringComparison.Ordinal);

        SqliteConnection.ClearAllPools(); // room again
        var search = await cli.RunAsync("search", "tomatoes");
        Assert.Equal(0, search.Code);
        Assert.Contains("tomatoes", search.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("add", "Alice's long diary entry: " + new string('d', 6000))).Code);
    }
}
