using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>
/// Tag filters give the same lists and counts whether few memories carry the tags (the SQL stores then start from the
/// tag index) or more than a thousand do (they walk the cube): paged, combined with cube and state filters, ignoring case.
/// </summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task Tag_filters_list_and_count_alike_whether_few_or_many_memories_carry_the_tag()
    {
        await using var s = await StartAsync();
        var chat = await s.CreateCubeAsync("chat");
        var other = await s.CreateCubeAsync("other");
        var items = Enumerable.Range(0, 1_200).Select(i => s.Item(i % 4 == 3 ? other : chat, $"turn {i}") with
        {
            Tags = i switch
            {
                500 => ["turn", "core", "pinned"],
                _ when i % 100 == 7 => ["Turn", "CORE"],
                _ => ["turn"],
            },
        }).ToList();
        await s.AddAsync(items);
        var archived = items[107];
        await s.SetStateAsync(archived, LifecycleState.Archived, "old");
        var live = items.Where(i => i.Id != archived.Id).ToList();

        async Task Check(MemoryFilter filter, IEnumerable<MemoryItem> expected)
        {
            var want = expected.Select(i => i.Id).Order().ToList();
            var got = new List<MemoryId>();
            MemoryId? after = null;
            while (true)
            {
                var page = await s.Store.ListAsync(s.Tenant, filter, 97, after);
                got.AddRange(page.Select(m => m.Id));
                if (page.Count < 97)
                {
                    break;
                }

                after = page[^1].Id;
            }

            Assert.Equal(want, got);
            Assert.Equal(want.Count, await s.Store.CountAsync(s.Tenant, filter));
        }

        bool Has(MemoryItem item, params string[] tags) => item.Tags.Any(t => tags.Contains(t, StringComparer.OrdinalIgnoreCase));

        await Check(new MemoryFilter { AnyTags = ["TURN"], CubeId = chat.Id }, live.Where(i => i.CubeId == chat.Id));
        await Check(new MemoryFilter { AnyTags = ["core"], CubeId = chat.Id }, live.Where(i => i.CubeId == chat.Id && Has(i, "core")));
        await Check(new MemoryFilter { AnyTags = ["Core", "pinned"] }, live.Where(i => Has(i, "core", "pinned")));
        await Check(new MemoryFilter { AnyTags = ["pinned", "turn"] }, live);
        await Check(new MemoryFilter { AnyTags = ["core"], States = [LifecycleState.Archived] }, [archived]);
        await Check(new MemoryFilter { AnyTags = ["nobody has this"] }, []);
    }
}
