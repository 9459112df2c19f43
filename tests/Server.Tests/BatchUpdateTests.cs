using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentMem.Server.Tests;

/// <summary><c>PATCH /v1/memories</c>: several updates in one transaction, in order, all or none.</summary>
public sealed class BatchUpdateTests
{
    [Fact]
    public async Task A_batch_over_the_item_limit_is_refused_whole()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Caroline plans to move to Sweden");

        var updates = Enumerable.Range(0, 1001).Select(i => new { id, importance = i % 2 == 0 ? 0.1 : 0.9 }).ToArray();
        var refused = await client.PatchAsJsonAsync("/v1/memories", new { items = updates });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var adds = await client.PostAsJsonAsync("/v1/memories/batch", new { items = Enumerable.Range(0, 1001).Select(i => new { text = $"note {i}" }).ToArray() });
        Assert.Equal(HttpStatusCode.BadRequest, adds.StatusCode);

        // Worded for the client: it named ServerOptions.MaxBatchItems, a C# setting neither a client nor `serve` can change.
        foreach (var response in new[] { refused, adds })
        {
            string detail = (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString()!;
            Assert.Equal("The batch has 1001 items; a request may hold at most 1000. Send it in parts.", detail);
        }

        var memory = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal(1, memory.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_batch_writes_a_new_version_of_each_memory_in_order()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string first = await TestApp.AddAsync(client, "Caroline plans to move to Sweden");
        string second = await TestApp.AddAsync(client, "Melanie paints sunsets");

        var response = await client.PatchAsJsonAsync("/v1/memories", new
        {
            items = new object[]
            {
                new { id = first, text = "Caroline moved to Sweden", reason = "the plan happened" },
                new { id = second, tags = new[] { "hobby" } },
                new { id = first, importance = 0.9 },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var written = await TestApp.ReadJsonAsync(response);
        Assert.Equal(3, written.GetArrayLength());
        Assert.Equal([(first, 2), (second, 2), (first, 3)], written.EnumerateArray().Select(m => (m.GetProperty("id").GetString()!, m.GetProperty("version").GetInt32())));

        // The second edit of the first memory applied to the version the first edit made.
        var current = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{first}"));
        Assert.Equal("Caroline moved to Sweden", current.GetProperty("text").GetString());
        Assert.Equal(0.9, current.GetProperty("importance").GetDouble(), 6);
        var history = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{first}/history"));
        Assert.Equal("the plan happened", history[0].GetProperty("stateReason").GetString());
        var tags = (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{second}"))).GetProperty("tags");
        Assert.Equal(["hobby"], tags.EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task A_memorys_history_is_read_in_pages_as_the_audit_is()
    {
        // A batch may name one memory up to a thousand times, each a version copying it whole: the history answered
        // every version in one response, and `limit` was ignored.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Caroline plans to move to Sweden");
        var edits = Enumerable.Range(0, 30).Select(i => new { id, importance = (i + 1) / 100.0 }).ToArray();
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync("/v1/memories", new { items = edits })).StatusCode);

        async Task<int[]> Versions(string query) =>
            [.. (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}/history{query}"))).EnumerateArray().Select(v => v.GetProperty("version").GetInt32())];

        Assert.Equal(Enumerable.Range(1, 31), await Versions(string.Empty));
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, await Versions("?limit=5"));
        Assert.Equal(new[] { 6, 7, 8, 9, 10 }, await Versions("?limit=5&after=5"));
        Assert.Equal(new[] { 31 }, await Versions("?after=30"));
        Assert.Empty(await Versions("?after=31"));
        Assert.Empty(await Versions($"?after={long.MaxValue}"));
        foreach (string bad in new[] { "?limit=0", "?limit=1001", "?after=-1" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/v1/memories/{id}/history{bad}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_negative_after_is_refused_naming_the_cursor_each_read_pages_by()
    {
        // History pages by version and the audit trail by seq: the history's refusal spoke of a "seq of a line".
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Caroline plans to move to Sweden");

        async Task<string> Detail(string path)
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString()!;
        }

        string history = await Detail($"/v1/memories/{id}/history?after=-1");
        Assert.Contains("after must be 0 or a version already read", history, StringComparison.Ordinal);
        Assert.DoesNotContain("seq", history, StringComparison.Ordinal);
        Assert.Contains("the seq of a line already read", await Detail($"/v1/memories/{id}/audit?after=-1"), StringComparison.Ordinal);
        Assert.Contains("the seq of a line already read", await Detail("/v1/audit?after=-1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_from_a_version_read_before_another_writers_is_refused_with_409()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Likes: tea");

        // Two clients read version 1 and write what they built from it: the second is refused, the first stays.
        var first = await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Likes: tea, chess", expectedVersion = 1 });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Likes: tea, hiking", expectedVersion = 1 });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("changed meanwhile", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var batch = await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id, text = "Likes: coffee", expectedVersion = 1 } } });
        Assert.Equal(HttpStatusCode.Conflict, batch.StatusCode);

        var current = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal((2, "Likes: tea, chess"), (current.GetProperty("version").GetInt32(), current.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task One_missing_or_deleted_memory_fails_the_whole_batch_and_writes_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string kept = await TestApp.AddAsync(client, "Caroline plans to move to Sweden");
        string deleted = await TestApp.AddAsync(client, "to be deleted");
        await client.DeleteAsync($"/v1/memories/{deleted}");
        string unknown = AgentMem.MemoryCore.Identity.MemoryId.NewId().ToString();

        var missing = await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = kept, text = "changed" }, new { id = unknown, text = "x" } } });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var conflict = await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = kept, text = "changed" }, new { id = deleted, text = "revived" } } });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var current = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{kept}"));
        Assert.Equal(1, current.GetProperty("version").GetInt32());
        Assert.Equal("Caroline plans to move to Sweden", current.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Another_tenants_memory_is_404_and_bad_items_are_400()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        using var other = app.Client(TestApp.KeyB);
        string mine = await TestApp.AddAsync(client, "tenant a's memory");
        string theirs = await TestApp.AddAsync(other, "tenant b's memory");

        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = theirs, text = "taken over" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/v1/memories", new { items = Array.Empty<object>() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { text = "no id" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = "not-an-id", text = "x" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = mine, text = "  " } } })).StatusCode);

        var theirsNow = await TestApp.ReadJsonAsync(await other.GetAsync($"/v1/memories/{theirs}"));
        Assert.Equal("tenant b's memory", theirsNow.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Object, theirsNow.ValueKind);
    }
}
