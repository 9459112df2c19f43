using System.Security.Cryptography;
using System.Text;
using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>Cubes, memories and audit lines built by hand, for tests that call the store directly.</summary>
internal static class PostgresTestData
{
    // Whole milliseconds: PostgreSQL keeps microseconds, so these survive a round trip exactly.
    public static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    public static MemCube Cube(string tenant, string name = "notes") => new()
    {
        Id = MemoryId.NewId(Now).ToString(),
        Owner = new Scope(tenant, "alice"),
        Name = name,
        Description = "test cube",
        Grants = [new CubeGrant("bob", null, CubeAccess.Read)],
        Policy = new CubePolicy { MaxItems = 100, ForgettingThreshold = 0.2 },
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    public static MemoryItem Item(MemCube cube, string text, Action<MemoryItemOptions>? configure = null)
    {
        var o = new MemoryItemOptions();
        configure?.Invoke(o);
        return new MemoryItem
        {
            Id = o.Id ?? MemoryId.NewId(Now),
            CubeId = cube.Id,
            Scope = new Scope(cube.Owner.Tenant, "alice", "agent-1", o.Session),
            Text = text,
            ContentHash = Hash(text),
            Provenance = new Provenance(SourceKind.Conversation, "D1:3", o.Actor, Now),
            ValidFrom = Now.AddDays(-1),
            Tags = o.Tags,
            Keywords = o.Keywords,
            Context = o.Context,
            Importance = 0.7,
            Links = o.Links,
            UpdatedAt = Now,
        };
    }

    public static AuditRecord Audit(string tenant, string action, string? cubeId = null) =>
        new(Now, tenant, "alice", "agent-1", action, cubeId, null, null, null);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal sealed class MemoryItemOptions
    {
        public MemoryId? Id { get; set; }

        public string? Session { get; set; }

        public string? Actor { get; set; }

        public string? Context { get; set; }

        public IReadOnlyList<string> Tags { get; set; } = [];

        public IReadOnlyList<string> Keywords { get; set; } = [];

        public IReadOnlyList<MemoryLink> Links { get; set; } = [];
    }
}
