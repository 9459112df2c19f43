namespace AgentMem.Campaign.Bench;

/// <summary>The random seed of each load client, the same in every process so <c>--seed</c> replays the load.</summary>
internal static class LoadSeed
{
    /// <summary>
    /// Client <paramref name="client"/>'s seed under the run's <paramref name="seed"/>: a fixed mix, where
    /// <c>HashCode.Combine</c> is randomised per process and drew a different add/search/update mix on every run.
    /// </summary>
    public static int ForClient(int seed, int client) => unchecked((seed * 1_000_003) + client);
}
