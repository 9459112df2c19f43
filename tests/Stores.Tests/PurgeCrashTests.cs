using System.Text;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Links;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>
/// A purge that dies after its commit (SIGKILL, OOM, power loss) must not leave the erased memory's derived files: the
/// store committed and then rebuilt the whole file (<c>VACUUM</c>: seconds to minutes) before MemoryOS deleted the
/// cartridge files and its listeners the cube's <c>lexical.snap</c>, and nothing durable said that clean-up was owed.
/// </summary>
public sealed class PurgeCrashTests : IAsyncDisposable
{
    private const string Token = "wombatquasar7731";
    private static readonly Scope Alice = new("acme", "alice");
    private readonly TestDatabase db = new();

    public ValueTask DisposeAsync() => db.DisposeAsync();

    [Theory]
    [InlineData("purge")]
    [InlineData("cube delete")]
    public async Task An_erasure_that_dies_while_the_file_is_rebuilt_has_already_deleted_its_cartridge_and_the_cube_snapshot(string erasure)
    {
        var store = db.OpenStore();
        string indexes = db.FilePath + ".index";
        var retrievers = DefaultRetrievers.Create(store, state: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 2 });
        var state = ((HybridRetriever)retrievers[0]).State;
        await using var memory = new MemoryOS(store, retrievers);
        var cube = await memory.CreateCubeAsync(Alice, "notes");
        var source = await memory.AddAsync(Alice, "notes", new MemoryDraft($"alice's locker code is {Token}"));
        await memory.AddAsync(Alice, "notes", new MemoryDraft("alice likes tea"));
        string cartridge = Path.Combine(db.Folder, "cartridges", "notes-0001.amkv");
        Directory.CreateDirectory(Path.GetDirectoryName(cartridge)!);
        await File.WriteAllTextAsync(cartridge, $"token ids of: alice's locker code is {Token}");
        await memory.AddAsync(Alice, "notes", new MemoryDraft($"KV cartridge: alice's locker code is {Token}")
        {
            Kind = MemoryKind.Activation,
            Payload = PayloadRef.ForLocalFile(cartridge, "application/x-agentmem-kv"),
            Links = [new MemoryLink(source.Id, LinkTypes.Encodes)],
        });
        Assert.NotEmpty(await memory.SearchAsync(Alice, "notes", Token));
        state.Clear(); // checkpoints: the cube's snapshot now holds the token
        string snapshot = Assert.Single(Directory.GetFiles(indexes, "lexical.snap", SearchOption.AllDirectories));
        Assert.True(Holds(snapshot));

        // The process dies while the file is rebuilt, the erasure committed.
        store.BeforeVacuum = () => throw new SimulatedCrash();
        await Assert.ThrowsAsync<SimulatedCrash>(() => erasure == "purge" ? memory.PurgeAsync(Alice, source.Id) : memory.DeleteCubeAsync(Alice, "notes"));
        store.BeforeVacuum = null;

        Assert.False(File.Exists(cartridge));
        Assert.False(File.Exists(snapshot));
        await using var check = SqliteMemoryStore.Open(db.FilePath);
        Assert.Null(await check.GetAsync(Alice.Tenant, source.Id)); // committed
        Assert.Equal(erasure == "purge", await check.FindCubeAsync(Alice.Tenant, cube.Id) is not null);
    }

    [Fact]
    public async Task The_clean_up_of_a_purge_runs_inside_its_transaction_and_right_after_its_commit_before_the_file_is_rebuilt()
    {
        var store = db.OpenStore();
        await using var memory = new MemoryOS(store, new Retrieval.Lexical.Bm25Retriever(store));
        await memory.CreateCubeAsync(Alice, "notes");
        var doomed = await memory.AddAsync(Alice, "notes", new MemoryDraft($"alice's locker code is {Token}"));
        var moments = new List<string>();
        bool Committed()
        {
            using var reader = new SqliteConnection($"Data Source={db.FilePath};Pooling=False");
            reader.Open();
            using var count = reader.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM memories WHERE id = '{doomed.Id}';";
            return (long)count.ExecuteScalar()! == 0;
        }

        store.BeforeVacuum = () => moments.Add("vacuum");
        var cleanUp = new PurgeCleanUp(
            ids => moments.Add($"before commit: {string.Join(",", ids)}, committed {Committed()}"),
            n => moments.Add($"after commit: {n}, committed {Committed()}"));

        int purged = await ((IMemoryStore)store).PurgeManyAsync(Alice.Tenant, [doomed.Id, MemoryId.NewId()], new AuditRecord(DateTimeOffset.UtcNow, Alice.Tenant, Alice.User, null, "purge", null, null, null, null), null, cleanUp);

        Assert.Equal(1, purged);
        Assert.Equal([$"before commit: {doomed.Id}, committed False", "after commit: 1, committed True", "vacuum"], moments);
    }

    private static bool Holds(string file) => File.ReadAllBytes(file).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token)) >= 0;

    private sealed class SimulatedCrash : Exception
    {
        public SimulatedCrash()
            : base("the process died here")
        {
        }
    }
}
