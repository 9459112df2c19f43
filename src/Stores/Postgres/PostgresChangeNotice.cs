using System.Diagnostics.CodeAnalysis;

namespace AgentMem.Stores.Postgres;

/// <summary>A notification that memories of one cube changed (see <see cref="PostgresMemoryStore.ListenAsync"/>).</summary>
/// <param name="Tenant">The tenant of the cube.</param>
/// <param name="CubeId">The cube whose change feed moved on.</param>
public readonly record struct PostgresChangeNotice(string Tenant, string CubeId)
{
    /// <summary>Reads a <c>tenant:cubeId</c> payload; the cube id (a ULID) has no colon, so the last one separates.</summary>
    public static bool TryParse(string? payload, [NotNullWhen(true)] out PostgresChangeNotice notice)
    {
        notice = default;
        int colon = payload?.LastIndexOf(':') ?? -1;
        if (payload is null || colon <= 0 || colon == payload.Length - 1)
        {
            return false;
        }

        notice = new PostgresChangeNotice(payload[..colon], payload[(colon + 1)..]);
        return true;
    }
}
