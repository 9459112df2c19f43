namespace AgentMem.Stores.InMemory;

/// <summary>
/// What <see cref="InMemoryMemoryStore"/> instances share, as several stores share one SQLite file: every tenant's cubes,
/// memories and their versions, audit log, change feed and embeddings, behind one lock. Nothing is written anywhere; the
/// contents live as long as this object does.
/// </summary>
public sealed class InMemoryDatabase
{
    private readonly Dictionary<string, TenantData> tenants = new(StringComparer.Ordinal);

    /// <summary>Every operation of every store over this database holds it, so each is atomic and sees a consistent state.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>Every memory by id, whatever its tenant: ids are unique across the database, as in SQLite.</summary>
    internal Dictionary<MemoryId, StoredMemory> MemoriesById { get; } = [];

    /// <summary>The change feed's last sequence number, shared by all tenants and cubes (so one cube's feed may have gaps).</summary>
    internal long LastChangeSequence { get; set; }

    /// <summary>Opens a store over this database; any number may be open at once.</summary>
    public InMemoryMemoryStore OpenStore() => new(this);

    /// <summary>The tenant's partition, or null if nothing was ever written to it.</summary>
    internal TenantData? Find(string tenant) => tenants.GetValueOrDefault(tenant);

    /// <summary>The tenant's partition, created empty on its first write.</summary>
    internal TenantData Require(string tenant)
    {
        if (!tenants.TryGetValue(tenant, out var data))
        {
            tenants[tenant] = data = new TenantData();
        }

        return data;
    }
}
