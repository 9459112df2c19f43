using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Validation;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// One contract test's world: a backend, a store over it and a tenant no other test uses, with builders for the items and
/// audit lines the facade would pass. Times come from <see cref="Now"/>, which tests move by hand.
/// </summary>
internal sealed class StoreScenario(IStoreBackend backend, IMemoryStore store) : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public IStoreBackend Backend { get; } = backend;

    public IMemoryStore Store { get; } = store;

    /// <summary>Unique per test, so a database shared by many tests (and runs) still isolates them.</summary>
    public string Tenant { get; } = NewTenant();

    public Scope Alice => new(Tenant, "alice");

    public DateTimeOffset Now { get; set; } = Start;

    public static string NewTenant() => "t-" + Guid.NewGuid().ToString("N");

    public async Task<MemCube> CreateCubeAsync(string name, CubePolicy? policy = null, string? tenant = null)
    {
        var owner = tenant is null ? Alice : new Scope(tenant, "alice");
        var cube = new MemCube
        {
            Id = MemoryId.NewId().ToString(),
            Owner = owner,
            Name = name,
            Policy = policy ?? new CubePolicy(),
            CreatedAt = Now,
            UpdatedAt = Now,
        };
        await Store.CreateCubeAsync(cube, Audit("cube.create", cube.Id, tenant: owner.Tenant));
        return cube;
    }

    /// <summary>A new version-1 memory of <paramref name="cube"/> (in the cube's tenant), as the facade builds one.</summary>
    public MemoryItem Item(MemCube cube, string text, MemoryKind kind = MemoryKind.Plaintext, PayloadRef? payload = null) => new()
    {
        Id = MemoryId.NewId(),
        CubeId = cube.Id,
        Scope = new Scope(cube.Owner.Tenant, "alice"),
        Kind = kind,
        Text = text,
        Payload = payload,
        ContentHash = ContentRules.ComputeHash(kind, text, payload),
        Provenance = new Provenance(SourceKind.Conversation, null, null, Now),
        ValidFrom = Now,
        UpdatedAt = Now,
    };

    public Task<IReadOnlyList<AddOutcome>> AddAsync(IReadOnlyList<MemoryItem> items, AddOptions? options = null, IMemoryStore? via = null) =>
        (via ?? Store).AddAsync(items[0].Scope.Tenant, items, options ?? new AddOptions(Deduplicate: false), Audit("add", tenant: items[0].Scope.Tenant));

    /// <summary>Adds one memory (no de-duplication) and returns it as the store reads it back.</summary>
    public async Task<MemoryItem> AddAsync(MemCube cube, string text, Func<MemoryItem, MemoryItem>? shape = null)
    {
        var item = Item(cube, text);
        item = shape is null ? item : shape(item);
        await AddAsync([item]);
        return await Store.GetAsync(cube.Owner.Tenant, item.Id) ?? throw new InvalidOperationException("The memory just added is not there.");
    }

    /// <summary>
    /// The next version of <paramref name="current"/> as <paramref name="change"/> shapes it (its hash recomputed), for
    /// <see cref="IMemoryStore.ReplaceAsync"/> together with the superseded version carrying <paramref name="reason"/>.
    /// </summary>
    public (MemoryItem Superseded, MemoryItem Next) NextVersion(MemoryItem current, Func<MemoryItem, MemoryItem> change, string reason = "updated")
    {
        var next = change(current) with { Version = current.Version + 1, UpdatedAt = Now };
        next = next with { ContentHash = ContentRules.ComputeHash(next.Kind, next.Text, next.Payload) };
        return (current with { State = LifecycleState.Superseded, StateReason = reason }, next);
    }

    /// <summary>Writes the next version and returns it as the store reads it back.</summary>
    public async Task<MemoryItem> ReplaceAsync(MemoryItem current, Func<MemoryItem, MemoryItem> change, string reason = "updated", string action = "update")
    {
        var (superseded, next) = NextVersion(current, change, reason);
        await Store.ReplaceAsync(current.Scope.Tenant, superseded, next, Audit(action, current.CubeId, current.Id, next.Version, reason, current.Scope.Tenant));
        return await Store.GetAsync(current.Scope.Tenant, current.Id) ?? throw new InvalidOperationException("The memory just replaced is not there.");
    }

    public Task<MemoryItem> SetStateAsync(MemoryItem current, LifecycleState state, string reason) =>
        ReplaceAsync(current, c => c with { State = state, StateReason = reason }, reason, state == LifecycleState.Deleted ? "delete" : "state");

    public Task<bool> PurgeAsync(MemoryItem item) =>
        Store.PurgeAsync(item.Scope.Tenant, item.Id, Audit("purge", item.CubeId, item.Id, item.Version, tenant: item.Scope.Tenant));

    public AuditRecord Audit(string action, string? cubeId = null, MemoryId? memoryId = null, int? version = null, string? detail = null, string? tenant = null) =>
        new(Now, tenant ?? Tenant, "alice", null, action, cubeId, memoryId?.ToString(), version, detail);

    public Task<IReadOnlyList<MemoryItem>> ListAllAsync(string? cubeId = null, IMemoryStore? via = null) =>
        (via ?? Store).ListAsync(Tenant, new MemoryFilter { CubeId = cubeId, States = Enum.GetValues<LifecycleState>() }, 10_000);

    public static MemoryFilter AllStates(string? cubeId = null) => new() { CubeId = cubeId, States = Enum.GetValues<LifecycleState>() };

    /// <summary>Every member of two versions agrees (lists as sequences, times as instants).</summary>
    public static void AssertSameMemory(MemoryItem expected, MemoryItem actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.CubeId, actual.CubeId);
        Assert.Equal(expected.Scope, actual.Scope);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.Payload, actual.Payload);
        Assert.Equal(expected.ContentHash, actual.ContentHash);
        Assert.Equal(expected.Provenance, actual.Provenance);
        Assert.Equal(expected.ValidFrom, actual.ValidFrom);
        Assert.Equal(expected.ValidTo, actual.ValidTo);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.State, actual.State);
        Assert.Equal(expected.StateReason, actual.StateReason);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Keywords, actual.Keywords);
        Assert.Equal(expected.Context, actual.Context);
        Assert.Equal(expected.Importance, actual.Importance);
        Assert.Equal(expected.Strength, actual.Strength);
        Assert.Equal(expected.LastRecalledAt, actual.LastRecalledAt);
        Assert.Equal(expected.RecallCount, actual.RecallCount);
        Assert.Equal(expected.Links, actual.Links);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
    }

    public ValueTask DisposeAsync() => Backend.DisposeAsync();
}
