using AgentMem.MemoryCore.Identity;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Reading many memories by id at once: any number of ids, in the order asked.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Tens_of_thousands_of_ids_are_read_in_one_call_in_the_order_asked()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var first = s.Item(cube, "the first of three");
        var second = s.Item(cube, "the second of three");
        var third = s.Item(cube, "the third of three");
        await s.AddAsync([first, second, third]);

        // More ids than SQLite takes parameters in one statement (32,766): a purge or a sweep can name that many.
        var ids = Enumerable.Range(0, 40_000).Select(_ => MemoryId.NewId()).ToList();
        ids.Insert(35_000, first.Id);
        ids.Insert(20_000, third.Id);
        ids.Insert(10, second.Id);
        ids.Add(third.Id);

        var read = await s.Store.GetManyAsync(s.Tenant, ids);
        Assert.Equal([second.Id, third.Id, first.Id], read.Select(m => m.Id));
    }
}
