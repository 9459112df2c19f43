using System.Net;
using System.Net.Http.Json;

namespace AgentMem.Server.Tests;

public sealed class RoundTripTests
{
    [Fact]
    public async Task Add_get_update_history_search_context_delete_and_purge()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        var created = await client.PostAsJsonAsync("/v1/memories", new { text = "Caroline went to an LGBTQ support group", cube = "notes", actor = "Caroline", tags = new[] { "event" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = (await TestApp.ReadJsonAsync(created)).GetProperty("id").GetString()!;
        Assert.Equal($"/v1/memories/{id}", created.Headers.Location?.OriginalString);

        var got = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal("Caroline went to an LGBTQ support group", got.GetProperty("text").GetString());
        Assert.Equal("Caroline", got.GetProperty("actor").GetString());
        Assert.Equal(1, got.GetProperty("version").GetInt32());
        Assert.Equal("active", got.GetProperty("state").GetString());
        Assert.False(got.TryGetProperty("tenant", out _));

        var updated = await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Caroline went to two support groups", reason = "second visit" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await TestApp.ReadJsonAsync(updated)).GetProperty("version").GetInt32());

        var history = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}/history"));
        Assert.Equal(2, history.GetArrayLength());
        Assert.Equal("superseded", history[0].GetProperty("state").GetString());
        Assert.Equal("second visit", history[0].GetProperty("stateReason").GetString());

        await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "notes", items = new[] { new { text = "Melanie painted a sunrise" }, new { text = "Caroline is researching adoption agencies" } } });
        var listed = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=notes&limit=2"));
        Assert.Equal(2, listed.GetArrayLength());

        // The next page reads on after the last id: the three memories, once each.
        var rest = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories?cube=notes&limit=2&after={listed[1].GetProperty("id").GetString()}"));
        Assert.Equal(1, rest.GetArrayLength());
        Assert.Equal(3, listed.EnumerateArray().Concat(rest.EnumerateArray()).Select(m => m.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/memories?cube=notes&after=not-an-id")).StatusCode);

        foreach (string mode in new[] { "hybrid", "bm25", "vector" })
        {
            var search = await client.PostAsJsonAsync("/v1/search", new { query = "support groups", cube = "notes", k = 3, mode, explain = true });
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);
            var hits = (await TestApp.ReadJsonAsync(search)).GetProperty("hits");
            Assert.Equal(id, hits[0].GetProperty("memory").GetProperty("id").GetString());
            Assert.True(hits[0].GetProperty("components").EnumerateObject().Any(), mode);
        }

        var context = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/context", new { query = "support group", cube = "notes", budget = 500 }));
        Assert.True(context.GetProperty("complete").GetBoolean());
        Assert.Contains("two support groups", context.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, context.GetProperty("ids").GetArrayLength());

        var deleted = await client.DeleteAsync($"/v1/memories/{id}?reason=wrong");
        Assert.Equal("deleted", (await TestApp.ReadJsonAsync(deleted)).GetProperty("state").GetString());
        var afterDelete = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/search", new { query = "support groups", cube = "notes" }));
        Assert.DoesNotContain(afterDelete.GetProperty("hits").EnumerateArray(), h => h.GetProperty("memory").GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/memories/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/v1/memories/{id}?purge=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/memories/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/memories/{id}/history")).StatusCode);
    }

    [Theory]
    [InlineData("BM25", "bm25")]
    [InlineData("Vector", "vector")]
    [InlineData(null, "hybrid")]
    public async Task A_search_names_the_retriever_that_ranked_as_it_spells_itself(string? mode, string ranked)
    {
        // Names match ignoring case, and the answer echoed the request's spelling ("BM25"), a name outside hybrid|bm25|vector.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await TestApp.AddAsync(client, "Caroline went to a support group");

        var search = await client.PostAsJsonAsync("/v1/search", new { query = "support", cube = "notes", mode });
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(ranked, (await TestApp.ReadJsonAsync(search)).GetProperty("retriever").GetString());
    }

    [Fact]
    public async Task A_long_memory_comes_back_with_the_passage_that_matched()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        var text = new System.Text.StringBuilder();
        for (int i = 0; text.Length < 20_000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Step {i}: the worker drained its queue and flushed the cache again.\n");
            if (i == 150)
            {
                text.Append("The staging cluster moved to region eu-west-3 for the Paris office.\n");
            }
        }

        string id = await TestApp.AddAsync(client, text.ToString());
        await TestApp.AddAsync(client, "The worker queue is fine today.");
        var result = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/search", new { query = "which region is the staging cluster in", cube = "notes" }));
        var top = result.GetProperty("hits")[0];
        Assert.Equal(id, top.GetProperty("memory").GetProperty("id").GetString());
        var passage = top.GetProperty("passage");
        Assert.Contains("eu-west-3", passage.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.InRange(passage.GetProperty("start").GetInt32(), 5_000, 15_000);
        Assert.True(passage.GetProperty("length").GetInt32() < 1_000);
    }

    [Fact]
    public async Task Cubes_are_created_and_listed_per_tenant()
    {
        await using var app = await TestApp.StartAsync();
        using var a = app.Client(TestApp.KeyA);
        using var b = app.Client(TestApp.KeyB);

        var created = await a.PostAsJsonAsync("/v1/cubes", new { name = "work", description = "job notes" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await a.PostAsJsonAsync("/v1/cubes", new { name = "work" })).StatusCode);

        var cubesA = await TestApp.ReadJsonAsync(await a.GetAsync("/v1/cubes"));
        Assert.Contains(cubesA.EnumerateArray(), c => c.GetProperty("name").GetString() == "work");
        var cubesB = await TestApp.ReadJsonAsync(await b.GetAsync("/v1/cubes"));
        Assert.Equal(0, cubesB.GetArrayLength());

        // The same name in another tenant is another cube.
        Assert.Equal(HttpStatusCode.Created, (await b.PostAsJsonAsync("/v1/cubes", new { name = "work" })).StatusCode);
    }
}
