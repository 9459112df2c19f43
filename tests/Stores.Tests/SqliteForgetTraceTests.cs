using System.Text;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests;

/// <summary>
/// Forgetting a user on SQLite leaves no byte of their text in the file: not in free pages (secure_delete), not in the
/// write-ahead log (truncated) and not in the full-text index, whose segments keep a deleted term until they are merged.
/// </summary>
public sealed class SqliteForgetTraceTests : IAsyncDisposable
{
    private const string Token = "platypusnebula5120";

    // FTS5 stores a term prefix-compressed against the one before it on the page, so only a tail of the token is certain
    // to be there byte for byte.
    private const string Tail = "nebula5120";
    private static readonly Scope Owner = new("acme");
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task No_file_of_the_database_holds_the_forgotten_user_s_token_after_many_full_text_segments()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Owner, "shared");
        await memory.AddAsync(new Scope("acme", "ursula"), "shared", new MemoryDraft($"ursula's passphrase is {Token}"));

        // One insert per write: the FTS5 segment holding the token is merged into a deeper level and stays there.
        for (int i = 0; i < 24; i++)
        {
            await memory.AddAsync(new Scope("acme", "victor"), "shared", new MemoryDraft($"victor note {i} about the garden"));
        }

        Assert.True(FullTextHolds(), "the full-text index holds the token before forgetting");

        await memory.ForgetUserAsync(Owner, "ursula");

        Assert.False(FullTextHolds());
        Assert.DoesNotContain(Directory.EnumerateFiles(db.Folder, "*", SearchOption.AllDirectories), Holds);
        Assert.Equal(24, db.Scalar("SELECT count(*) FROM memories"));
    }

    private bool FullTextHolds() => db.Scalar("SELECT count(*) FROM memories_fts_data WHERE instr(block, $t) > 0", ("$t", Encoding.UTF8.GetBytes(Tail))) > 0;

    private static bool Holds(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(Encoding.UTF8.GetBytes(Tail)) >= 0;
    }
}
