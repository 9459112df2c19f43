using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.Common;
using AgentMem.Stores.Tests.Postgres;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A read of several statements (a memory's row, then its links) sees one snapshot: a write committed by another
/// connection between the two statements does not give the old row the new version's links.
/// </summary>
public sealed class ReadSnapshotTests
{
    [Fact]
    public async Task Sqlite_a_memory_read_while_another_connection_rewrites_it_is_one_version()
    {
        await using var db = new TestDatabase();
        var reader = db.OpenStore();
        await using var readerMemory = new MemoryOS(reader, new Bm25Retriever(reader));
        await AssertOneVersionAsync(reader, readerMemory, db.OpenMemory(), TestDatabase.Alice);
    }

    [SkippableFact]
    public async Task Postgres_a_memory_read_while_another_connection_rewrites_it_is_one_version()
    {
        var reader = await PostgresTestServer.OpenAsync();
        await using var readerMemory = new MemoryOS(reader, new Bm25Retriever(reader));
        var writer = await PostgresTestServer.OpenAsync();
        await using var writerMemory = new MemoryOS(writer, new Bm25Retriever(writer));
        await AssertOneVersionAsync(reader, readerMemory, writerMemory, new Scope(PostgresTestServer.NewTenant(), "alice"));
    }

    private static async Task AssertOneVersionAsync(SqlMemoryStore reader, MemoryOS readerMemory, MemoryOS writer, Scope alice)
    {
        await readerMemory.CreateCubeAsync(alice, "notes");
        var first = (await readerMemory.AddAsync(alice, "notes", new MemoryDraft("Lake Tahoe"))).Id;
        var second = (await readerMemory.AddAsync(alice, "notes", new MemoryDraft("Camping gear"))).Id;
        var note = (await readerMemory.AddAsync(alice, "notes", new MemoryDraft("Trip plan, version 1") { Links = [new MemoryLink(first, LinkTypes.RelatesTo)] })).Id;

        // Between the row and the links of the next read, another connection commits version 2 with other links.
        bool written = false;
        reader.BetweenRowsAndLinks = () =>
        {
            if (!written)
            {
                written = true;
                writer.UpdateAsync(alice, note, new MemoryChange { Text = "Trip plan, version 2", Links = [new MemoryLink(second, LinkTypes.RelatesTo)] })
                    .GetAwaiter().GetResult();
            }
        };

        var read = await reader.GetAsync(alice.Tenant, note);
        reader.BetweenRowsAndLinks = null;
        Assert.True(written);
        Assert.NotNull(read);
        Assert.Equal(("Trip plan, version 1", 1), (read.Text, read.Version));
        Assert.Equal([first], read.Links.Select(l => l.Target));

        var now = await reader.GetAsync(alice.Tenant, note);
        Assert.Equal(("Trip plan, version 2", 2), (now!.Text, now.Version));
        Assert.Equal([second], now.Links.Select(l => l.Target));
    }
}
