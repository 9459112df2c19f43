using AgentMem.Campaign.Bench;

namespace AgentMem.Benchmarks.Tests.Harnesses;

/// <summary>The campaign's load is drawn from <c>--seed</c> alone, so a load-phase finding can be run again.</summary>
public class LoadSeedTests
{
    [Fact]
    public void A_clients_seed_is_the_same_in_every_process()
    {
        // A constant: HashCode.Combine(seed, client), used before, gave another value in each process.
        Assert.Equal(-1_224_775_727, LoadSeed.ForClient(20250, 3));
    }

    [Fact]
    public void Each_client_of_a_run_draws_from_a_seed_of_its_own()
    {
        var seeds = Enumerable.Range(0, 16).Select(client => LoadSeed.ForClient(20250, client)).ToList();

        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.NotEqual(LoadSeed.ForClient(20250, 0), LoadSeed.ForClient(20251, 0));
    }
}
