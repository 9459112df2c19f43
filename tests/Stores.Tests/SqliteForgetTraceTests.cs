using System.Text;
using AgentMem.Common.Traces;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests;

/// <summary>
/// Forgetting a user, purging one memory or deleting a cube, on SQLite, leaves no byte of the text in the files: not in free pages
/// (secure_delete, VACUUM), not in the write-ahead log (truncated), not in the full-text index (whose segments keep a
/// deleted term until they are merged), not in neighbours' snapshots or audit details. The scan is forget --verify's.
/// </summary>
public sealed class SqliteForgetTraceTests : IAsyncDisposable
{
    private const string Token = "platypusnebula5120";

    // FTS5 stores a term prefix-compressed against the one before it on the page, so only a tail of the token is certain
    // to be there byte for byte.
    private const string Tail = "nebula5120";
    private static readonly Scope Owner = new("acme");
    private static readonly Scope Ursula = new("acme", "ursula");
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task No_file_of_the_database_holds_the_forgotten_user_s_token_after_many_full_text_segments()
    {
        var memory = db.OpenMemory();
        await memory.CreateCubeAsync(Owner, "shared");
        await memory.AddAsync(Ursula, "shared", new MemoryDraft($"ursula's passphrase is {Token}"));

        // One insert per write: the FTS5 segment holding the token is merged into a deeper level and stays there.
        for (int i = 0; i < 24; i++)
        {
            await memory.AddAsync(new Scope("acme", "victor"), "shared", new MemoryDraft($"victor note {i} about the garden"));
        }

        Assert.True(FullTextHolds(), "the full-text index holds the token before forgetting");

        await memory.ForgetUserAsync(Owner, "ursula");

        Assert.False(FullTextHolds());
        Assert.Empty(TraceScan.Find([db.Folder], Token));
        Assert.Equal(24, db.Scalar("SELECT count(*) FROM memories"));
    }

    [Fact]
    public async Task No_file_of_the_database_holds_a_purged_memory_s_token_its_versions_neighbours_or_audit_lines_held()
    {
        var memory = db.OpenMemory(new MemoryOSOptions());
        await memory.CreateCubeAsync(Owner, "shared");
        var (secret, neighbour) = await SeedSecretWithNeighbourAsync(memory, secretCube: "shared");

        Assert.NotEmpty(TraceScan.Find([db.Folder], Token));

        await memory.PurgeAsync(Ursula, secret.Id);

        Assert.False(FullTextHolds());
        Assert.Empty(TraceScan.Find([db.Folder], Token));
        Assert.Equal(3, (await memory.GetHistoryAsync(Ursula, neighbour.Id)).Count);
        Assert.Equal(25, db.Scalar("SELECT count(*) FROM memories"));
    }

    [Fact]
    public async Task No_file_of_the_database_holds_a_deleted_cube_s_token_that_its_memories_neighbours_or_audit_lines_held()
    {
        var memory = db.OpenMemory(new MemoryOSOptions());
        await memory.CreateCubeAsync(Owner, "vault");
        await memory.CreateCubeAsync(Owner, "shared");
        var (secret, neighbour) = await SeedSecretWithNeighbourAsync(memory, secretCube: "vault");

        Assert.True(FullTextHolds(), "the full-text index holds the token before the delete");

        await memory.DeleteCubeAsync(Owner, "vault");

        Assert.False(FullTextHolds());
        Assert.Empty(TraceScan.Find([db.Folder], Token));
        Assert.Equal(3, (await memory.GetHistoryAsync(Ursula, neighbour.Id)).Count);
        Assert.Equal(25, db.Scalar("SELECT count(*) FROM memories"));
    }

    /// <summary>
    /// Ursula's secret (updated once, the reason naming the token) in <paramref name="secretCube"/>; her neighbour note in
    /// "shared", linked to it by an evolution whose reason names both, then reweighed; 24 of Victor's notes in "shared".
    /// </summary>
    private static async Task<(AddOutcome Secret, AddOutcome Neighbour)> SeedSecretWithNeighbourAsync(MemoryOS memory, string secretCube)
    {
        var secret = await memory.AddAsync(Ursula, secretCube, new MemoryDraft($"ursula's passphrase is {Token}"));
        await memory.UpdateAsync(Ursula, secret.Id, new MemoryChange { Text = $"ursula's passphrase is still {Token}", Reason = $"retyped {Token}" });
        var neighbour = await memory.AddAsync(Ursula, "shared", new MemoryDraft("ursula keeps passphrases in a notebook"));
        await memory.UpdateAsync(Ursula, neighbour.Id, new MemoryChange
        {
            Links = [new MemoryLink(secret.Id, "related", 0.9, $"shares {Token}")],
            Reason = $"evolved: linked from {secret.Id} (related; shares {Token})",
        });
        await memory.UpdateAsync(Ursula, neighbour.Id, new MemoryChange { Importance = 0.8, Reason = "reweighed" });
        for (int i = 0; i < 24; i++)
        {
            await memory.AddAsync(new Scope("acme", "victor"), "shared", new MemoryDraft($"victor note {i} about the garden"));
        }

        return (secret, neighbour);
    }

    private bool FullTextHolds() => db.Scalar("SELECT count(*) FROM memories_fts_data WHERE instr(block, $t) > 0", ("$t", Encoding.UTF8.GetBytes(Tail))) > 0;
}
