using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.DependencyInjection;

namespace AgentMem.Server.Tests;

/// <summary>The routes the inspector reads beyond the basic ones: audit trail, links, and the kind and tag filters of the list.</summary>
public sealed class MemoryAuditAndLinksTests
{
    private static async Task<(TestApp App, InspectorSeed Seed)> StartAsync()
    {
        var app = await TestApp.StartAsync();
        var seed = await InspectorSeed.WriteAsync(app.App.Services.GetRequiredService<MemoryOS>(), new Scope("tenant-a"));
        return (app, seed);
    }

    [Fact]
    public async Task A_memory_added_with_a_reason_shows_it_as_its_state_reason_and_in_the_audit_trail_after_an_edit()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        var created = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories", new { text = "Alice is allergic to peanuts", cube = "notes", reason = "stated by the user" }));
        string id = created.GetProperty("id").GetString()!;
        Assert.Equal("stated by the user", (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"))).GetProperty("stateReason").GetString());
        var batch = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "notes", items = new object[] { new { text = "Alice lives in Lyon", reason = "imported from the CRM" }, new { text = "Alice has a dog" } } }));
        string lyon = batch[0].GetProperty("id").GetString()!;
        Assert.Equal("imported from the CRM", (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{lyon}"))).GetProperty("stateReason").GetString());
        Assert.False((await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{batch[1].GetProperty("id").GetString()}"))).TryGetProperty("stateReason", out JsonElement _));

        await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Alice is allergic to peanuts and cashews", reason = "she added cashews" });
        var rows = (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}/audit"))).EnumerateArray().ToList();
        Assert.Equal([("add", "stated by the user"), ("update", "she added cashews")], rows.Take(2).Select(r => (r.GetProperty("action").GetString(), r.GetProperty("detail").GetString())));
        Assert.Equal("recall", rows[2].GetProperty("action").GetString()); // a new text counts as a recall
    }

    [Fact]
    public async Task Audit_trail_lists_the_memorys_writes_oldest_first_without_the_tenant()
    {
        var (app, seed) = await StartAsync();
        await using var _ = app;
        using var client = app.Client();

        var audit = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Tomatoes}/audit"));
        var rows = audit.EnumerateArray().ToList();
        Assert.Equal(["add", "update"], rows.Select(r => r.GetProperty("action").GetString()));
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("version").GetInt32()));
        Assert.All(rows, r => Assert.Equal(seed.Tomatoes.ToString(), r.GetProperty("memoryId").GetString()));
        Assert.Equal("linked to related notes", rows[1].GetProperty("detail").GetString());
        Assert.All(rows, r => Assert.False(r.TryGetProperty("tenant", out JsonElement _)));

        var limited = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Tomatoes}/audit?limit=1"));
        Assert.Equal("add", Assert.Single(limited.EnumerateArray().ToList()).GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/v1/memories/{seed.Tomatoes}/audit?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/memories/not-an-id/audit")).StatusCode);
    }

    [Fact]
    public async Task Links_carry_the_linked_memories_current_versions()
    {
        var (app, seed) = await StartAsync();
        await using var _ = app;
        using var client = app.Client();

        var response = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Tomatoes}/links"));
        Assert.Equal(seed.Tomatoes.ToString(), response.GetProperty("id").GetString());
        Assert.Equal(0, response.GetProperty("hidden").GetInt32());
        var links = response.GetProperty("links").EnumerateArray().ToList();
        Assert.Equal(["elaborates", "relates-to"], links.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal(seed.Watering.ToString(), links[0].GetProperty("target").GetProperty("id").GetString());
        Assert.Contains("watering", links[0].GetProperty("target").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.8, links[0].GetProperty("weight").GetDouble(), 6);
        Assert.Equal("shared keywords: tomatoes, fence", links[0].GetProperty("reason").GetString());
        Assert.Equal(seed.Shed.ToString(), links[1].GetProperty("target").GetProperty("id").GetString());

        // Incoming: the memories of the cube that point to it, oldest first, each link as its source states it.
        var incoming = response.GetProperty("incoming").EnumerateArray().ToList();
        Assert.Equal([(seed.Watering.ToString(), "elaborates"), (seed.Shed.ToString(), "relates-to"), (seed.Cartridge.ToString(), "encodes")],
            incoming.Select(l => (l.GetProperty("source").GetProperty("id").GetString(), l.GetProperty("type").GetString())));
        Assert.Equal((0.4, "same garden"), (incoming[1].GetProperty("weight").GetDouble(), incoming[1].GetProperty("reason").GetString()));
        Assert.Equal("activation", incoming[2].GetProperty("source").GetProperty("kind").GetString());
        Assert.Empty((await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Cartridge}/links"))).GetProperty("incoming").EnumerateArray());
        Assert.False(response.GetProperty("moreIncoming").GetBoolean());

        // Bounded each way (a hub memory answered every linking memory in full), saying when more were left out.
        var page = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Tomatoes}/links?limit=1"));
        Assert.Equal(seed.Watering.ToString(), Assert.Single(page.GetProperty("incoming").EnumerateArray().ToList()).GetProperty("source").GetProperty("id").GetString());
        Assert.Single(page.GetProperty("links").EnumerateArray());
        Assert.True(page.GetProperty("moreIncoming").GetBoolean());
        Assert.True(page.GetProperty("moreLinks").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/v1/memories/{seed.Tomatoes}/links?limit=0")).StatusCode);

        // An activation memory's links are the plaintext memories it encodes: its sources.
        var cartridge = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{seed.Cartridge}/links"));
        var sources = cartridge.GetProperty("links").EnumerateArray().ToList();
        Assert.All(sources, s => Assert.Equal("encodes", s.GetProperty("type").GetString()));
        Assert.Equal([seed.Tomatoes.ToString(), seed.Watering.ToString()], sources.Select(s => s.GetProperty("target").GetProperty("id").GetString()));
        Assert.Equal(2, sources[0].GetProperty("target").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Audit_and_links_are_readable_exactly_when_the_memory_is()
    {
        var (app, seed) = await StartAsync();
        await using var _ = app;
        var memory = app.App.Services.GetRequiredService<MemoryOS>();

        // Bob's private cube in the same tenant, and a note in the shared cube that links into it, written by Bob (a link
        // needs read access to its target's cube).
        var bob = new Scope("tenant-a", "bob");
        await memory.CreateCubeAsync(bob, "bob-private");
        var secret = (await memory.AddAsync(bob, "bob-private", new MemoryDraft("Bob's surprise party is on Friday"))).Id;
        var pointer = (await memory.AddAsync(bob, InspectorSeed.Cube, new MemoryDraft("Something is planned for Friday")
        {
            Links = [new MemoryLink(secret, "relates-to"), new MemoryLink(seed.Shed, "relates-to")],
        })).Id;

        using var a = app.Client();
        using var b = app.Client(TestApp.KeyB);
        foreach (string route in new[] { "", "/history", "/audit", "/links" })
        {
            // Another tenant's id answers 404, like an id that exists nowhere; a cube the caller may not read, 403, like the memory itself.
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/v1/memories/{seed.Tomatoes}{route}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/v1/memories/{MemoryCore.Identity.MemoryId.NewId()}{route}")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await a.GetAsync($"/v1/memories/{secret}{route}?user=alice")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/v1/memories/{secret}{route}?user=bob")).StatusCode);
        }

        // Alice reads the pointer, but its link into Bob's cube shows only as a count, never as Bob's memory.
        var alices = await TestApp.ReadJsonAsync(await a.GetAsync($"/v1/memories/{pointer}/links?user=alice"));
        Assert.Equal(1, alices.GetProperty("hidden").GetInt32());
        Assert.Equal(seed.Shed.ToString(), Assert.Single(alices.GetProperty("links").EnumerateArray().ToList()).GetProperty("target").GetProperty("id").GetString());
        Assert.DoesNotContain("surprise", alices.GetRawText(), StringComparison.Ordinal);
        var bobs = await TestApp.ReadJsonAsync(await a.GetAsync($"/v1/memories/{pointer}/links?user=bob"));
        Assert.Equal(0, bobs.GetProperty("hidden").GetInt32());
        Assert.Equal(2, bobs.GetProperty("links").GetArrayLength());

        // Incoming links come from the memory's own cube only: Bob's secret does not list the shared cube's pointer.
        var secretLinks = await TestApp.ReadJsonAsync(await a.GetAsync($"/v1/memories/{secret}/links?user=bob"));
        Assert.Empty(secretLinks.GetProperty("incoming").EnumerateArray());

        // A purge removes the links to the purged memory with it.
        await memory.PurgeAsync(new Scope("tenant-a"), seed.Shed);
        var afterPurge = await TestApp.ReadJsonAsync(await a.GetAsync($"/v1/memories/{pointer}/links?user=bob"));
        Assert.Equal(secret.ToString(), Assert.Single(afterPurge.GetProperty("links").EnumerateArray().ToList()).GetProperty("target").GetProperty("id").GetString());
    }

    [Fact]
    public async Task List_filters_by_kind_and_tag_and_shows_payload_and_provenance()
    {
        var (app, seed) = await StartAsync();
        await using var _ = app;
        using var client = app.Client();

        var all = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}"));
        Assert.Equal(4, all.GetArrayLength());

        var activationResponse = await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=activation");
        Assert.True(activationResponse.IsSuccessStatusCode, await activationResponse.Content.ReadAsStringAsync());
        var activation = await TestApp.ReadJsonAsync(activationResponse);
        var cartridge = Assert.Single(activation.EnumerateArray().ToList());
        Assert.Equal(seed.Cartridge.ToString(), cartridge.GetProperty("id").GetString());
        Assert.Equal("activation", cartridge.GetProperty("kind").GetString());
        Assert.Equal("system", cartridge.GetProperty("source").GetString());
        Assert.Equal($"encodes:{seed.Tomatoes}@2,{seed.Watering}@1", cartridge.GetProperty("sourceRef").GetString());
        Assert.Equal(2, cartridge.GetProperty("linkCount").GetInt32());
        var payload = cartridge.GetProperty("payload");
        Assert.Equal("application/x-agentmem-cartridge", payload.GetProperty("mediaType").GetString());
        Assert.Equal(48_640, payload.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(new string('a', 64), payload.GetProperty("sha256").GetString());

        var plaintext = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=plaintext"));
        Assert.Equal(3, plaintext.GetArrayLength());
        Assert.All(plaintext.EnumerateArray(), m => Assert.False(m.TryGetProperty("payload", out JsonElement _)));
        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=parametric"))).GetArrayLength());

        var planned = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&tag=plan"));
        Assert.Equal(seed.Tomatoes.ToString(), Assert.Single(planned.EnumerateArray().ToList()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=sideways")).StatusCode);

        // Enum values bind in the document's spelling (camelCase) as well as the C# member names.
        Assert.Single((await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=Activation&state=active"))).EnumerateArray());
        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&state=archived"))).GetArrayLength());

        // Only a member's name: a comma list would bind as its members' bits OR-ed into another state, a number as a state
        // that does not exist; both are refused, naming what is accepted.
        foreach (string wrong in new[] { "archived,superseded", "Active,Archived", "1", "7", "activ" })
        {
            var refused = await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&state={Uri.EscapeDataString(wrong)}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("state must be one of active, ", (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&kind=2")).StatusCode);

        // A repeated key passed value by value, and the binder joined the values with a comma: archived|superseded = frozen.
        foreach (string twice in new[] { "state=archived&state=superseded", "state=active&state=active", "kind=activation&kind=parametric" })
        {
            var refused = await client.GetAsync($"/v1/memories?cube={InspectorSeed.Cube}&{twice}");
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("one value", (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }
}
