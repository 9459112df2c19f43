using System.Net;
using System.Net.Http.Json;

namespace AgentMem.Server.Tests;

/// <summary><c>PUT /v1/memories/{id}/state</c> and <c>PUT /v1/memories/states</c>: freeze, unfreeze, archive, restore.</summary>
public sealed class StateEndpointTests
{
    [Fact]
    public async Task Freeze_blocks_updates_until_unfrozen_and_archive_and_restore_move_the_memory_in_and_out_of_lists()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Caroline signed the adoption papers");

        var frozen = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "frozen", reason = "legal hold" }));
        Assert.Equal(("frozen", "legal hold", 2), (frozen.GetProperty("state").GetString(), frozen.GetProperty("stateReason").GetString(), frozen.GetProperty("version").GetInt32()));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "changed" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "archived" })).StatusCode);

        // The same state again writes nothing.
        var again = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "frozen" }));
        Assert.Equal(2, again.GetProperty("version").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "active", reason = "hold lifted" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Caroline signed the adoption papers twice" })).StatusCode);

        var archived = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "archived", reason = "stale" }));
        Assert.Equal("archived", archived.GetProperty("state").GetString());
        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=notes"))).GetArrayLength());
        await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "active" });
        Assert.Equal(1, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=notes"))).GetArrayLength());

        // A soft-deleted memory comes back the same way.
        await client.DeleteAsync($"/v1/memories/{id}");
        var restored = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "active", reason = "deleted by mistake" }));
        Assert.Equal("active", restored.GetProperty("state").GetString());
        var audit = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}/audit"));
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "state");
    }

    [Fact]
    public async Task A_batch_of_state_changes_is_all_or_none()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string a = await TestApp.AddAsync(client, "Melanie paints sunsets");
        string b = await TestApp.AddAsync(client, "Melanie runs on Sundays");
        string held = await TestApp.AddAsync(client, "Caroline's contract");
        await client.PutAsJsonAsync($"/v1/memories/{held}/state", new { state = "frozen" });

        // The frozen memory cannot be archived, so the whole batch is refused and the other two stay active.
        var refused = await client.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { id = a, state = "archived" }, new { id = b, state = "archived" }, new { id = held, state = "archived" } } });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("active", (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{a}"))).GetProperty("state").GetString());

        var done = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { id = a, state = "archived", reason = "stale" }, new { id = b, state = "frozen" }, new { id = held, state = "active" } } }));
        Assert.Equal([(a, "archived"), (b, "frozen"), (held, "active")], done.EnumerateArray().Select(m => (m.GetProperty("id").GetString()!, m.GetProperty("state").GetString()!)));
    }

    [Fact]
    public async Task Other_states_missing_states_and_unknown_ids_are_refused()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "a memory");
        string unknown = AgentMem.MemoryCore.Identity.MemoryId.NewId().ToString();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "deleted" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "superseded" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { reason = "no state" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "melted" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/v1/memories/states", new { items = Array.Empty<object>() })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { state = "frozen" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/v1/memories/{unknown}/state", new { state = "frozen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { id, state = "frozen" }, new { id = unknown, state = "frozen" } } })).StatusCode);
        Assert.Equal(1, (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"))).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Adding_the_text_of_an_archived_memory_again_brings_it_back_but_a_batch_add_leaves_it_archived()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Caroline keeps bees");
        string other = await TestApp.AddAsync(client, "Melanie keeps goats");
        await client.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { id, state = "archived" }, new { id = other, state = "archived" } } });

        // A single add is a restatement, as MCP memory_add and `agentmem add` treat it: the forgotten memory is active again.
        var again = await client.PostAsJsonAsync("/v1/memories", new { text = "Caroline keeps bees", cube = "notes" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await TestApp.ReadJsonAsync(again)).GetProperty("id").GetString());
        Assert.Equal("active", (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"))).GetProperty("state").GetString());

        // A batch is a copy (an import run again must not undo forgetting): the archived one stays archived.
        var batch = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "notes", items = new object[] { new { text = "Melanie keeps goats" } } }));
        Assert.Equal(other, batch[0].GetProperty("id").GetString());
        Assert.Equal("archived", (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{other}"))).GetProperty("state").GetString());
    }
}
