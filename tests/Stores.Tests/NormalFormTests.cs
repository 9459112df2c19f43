using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;
using AgentMem.Retrieval.Lexical;
using AgentMem.Stores.InMemory;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// Tags, keywords and names spelled composed (NFC, as most keyboards type "Ä") or decomposed (NFD, "A" and a combining
/// diaeresis, as macOS file names and some clients send it): they look the same, so they must not be two tags or cubes.
/// </summary>
public sealed class NormalFormTests : IAsyncLifetime
{
    private const string Composed = "\u00C4rger";
    private const string Decomposed = "A\u0308rger";
    private static readonly Scope Alice = new("acme", "alice");
    private readonly TestDatabase db = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => db.DisposeAsync().AsTask();

    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public async Task Labels_are_stored_composed_and_a_tag_filter_in_either_form_finds_them(string kind)
    {
        var (memory, _) = Open(kind);
        await using var owned = memory;
        await memory.CreateCubeAsync(Alice, "notes");
        var added = await memory.AddAsync(Alice, "notes", new MemoryDraft("Stepped on a plug") { Tags = [Decomposed, Composed, "home"], Keywords = [Decomposed] });

        var item = await memory.GetAsync(Alice, added.Id);
        Assert.Equal([Composed, "home"], item.Tags);
        Assert.Equal([Composed], item.Keywords);
        foreach (string tag in new[] { Decomposed, Composed, "ärger" })
        {
            var filter = new MemoryFilter { AnyTags = [tag] };
            Assert.Equal([added.Id], await memory.ListAsync(Alice, "notes", filter).Select(m => m.Id).ToListAsync());
            Assert.Equal(1, await memory.CountAsync(Alice, "notes", filter));
            Assert.Equal([added.Id], (await memory.SearchAsync(Alice, "notes", "plug", 5, filter)).Select(h => h.Item.Id));
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public async Task A_tag_stored_decomposed_before_is_still_found_by_its_own_spelling(string kind)
    {
        var (memory, store) = Open(kind);
        await using var owned = memory;
        var cube = await memory.CreateCubeAsync(Alice, "notes");
        var now = DateTimeOffset.UtcNow;
        var old = new MemoryItem
        {
            Id = MemoryId.NewId(now),
            CubeId = cube.Id,
            Scope = Alice,
            Text = "Stepped on a plug",
            ContentHash = ContentRules.ComputeHash(MemoryKind.Plaintext, "Stepped on a plug", null),
            Provenance = new Provenance(SourceKind.Conversation, null, null, now),
            Tags = [Decomposed],
            UpdatedAt = now,
        };
        await store.AddAsync("acme", [old], new AddOptions(true), new AuditRecord(now, "acme", "alice", null, "memory.add", cube.Id, null, null, null));

        Assert.Equal([old.Id], await memory.ListAsync(Alice, "notes", new MemoryFilter { AnyTags = [Decomposed] }).Select(m => m.Id).ToListAsync());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public async Task A_new_cube_or_author_name_not_in_NFC_is_refused_and_a_cube_so_named_before_stays_reachable(string kind)
    {
        var (memory, store) = Open(kind);
        await using var owned = memory;

        // Both spellings of "café" made two cubes that looked alike in every list, each lookup reaching one of them.
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.CreateCubeAsync(Alice, "cafe\u0301"));
        Assert.Contains("NFC", ex.Message, StringComparison.Ordinal);
        Assert.Contains("caf\u00E9", ex.Message, StringComparison.Ordinal);
        await memory.CreateCubeAsync(Alice, "caf\u00E9");
        Assert.Contains("NFC", Assert.Throws<MemoryValidationException>(() => memory.ValidateDrafts(new Scope("acme", "jose\u0301"), [new MemoryDraft("hola")])).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryValidationException>(() => memory.AddAsync(new Scope("acme", "alice", "bo\u0308t"), "caf\u00E9", new MemoryDraft("hola")));

        var now = DateTimeOffset.UtcNow;
        var before = new MemCube { Id = MemoryId.NewId(now).ToString(), Name = "the\u0301", Owner = Alice, CreatedAt = now, UpdatedAt = now };
        await store.CreateCubeAsync(before, new AuditRecord(now, "acme", "alice", null, "cube.create", before.Id, null, null, null));
        Assert.Equal(before.Id, (await memory.OpenCubeAsync(Alice, "the\u0301")).Id);
        Assert.True((await memory.AddAsync(Alice, "the\u0301", new MemoryDraft("still writable"))).Created);
    }

    private (MemoryOS Memory, IMemoryStore Store) Open(string kind)
    {
        IMemoryStore store = kind == "sqlite" ? SqliteMemoryStore.Open(db.FilePath) : new InMemoryMemoryStore();
        return (new MemoryOS(store, new Bm25Retriever(store)), store);
    }
}
