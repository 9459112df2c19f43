using System.Net;
using System.Net.Http.Json;

namespace AgentMem.Server.Tests;

public sealed class TenantIsolationTests
{
    [Fact]
    public async Task A_key_cannot_reach_another_tenants_memory_and_sees_the_same_404_as_for_an_unknown_id()
    {
        await using var app = await TestApp.StartAsync();
        using var a = app.Client(TestApp.KeyA);
        using var b = app.Client(TestApp.KeyB);
        string id = await TestApp.AddAsync(b, "Tenant B's secret: the launch is on Friday", cube: "default");
        string unknown = await TestApp.AddAsync(a, "placeholder", cube: "default");
        Assert.Equal(HttpStatusCode.NoContent, (await a.DeleteAsync($"/v1/memories/{unknown}?purge=true")).StatusCode);

        foreach (string target in new[] { id, unknown })
        {
            var get = await a.GetAsync($"/v1/memories/{target}");
            var update = await a.PatchAsJsonAsync($"/v1/memories/{target}", new { text = "overwritten", reason = "attack" });
            var history = await a.GetAsync($"/v1/memories/{target}/history");
            var delete = await a.DeleteAsync($"/v1/memories/{target}");
            var purge = await a.DeleteAsync($"/v1/memories/{target}?purge=true");
            foreach (var response in new[] { get, update, history, delete, purge })
            {
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        // Same cube name, but tenant A's "default" cube is its own: B's memory is not found.
        var search = await TestApp.ReadJsonAsync(await a.PostAsJsonAsync("/v1/search", new { query = "launch Friday secret", cube = "default" }));
        Assert.Equal(0, search.GetProperty("hits").GetArrayLength());
        var list = await TestApp.ReadJsonAsync(await a.GetAsync("/v1/memories?cube=default"));
        Assert.Equal(0, list.GetArrayLength());

        // A body naming a tenant is refused (no request has that member): the tenant comes from the key only.
        var smuggled = await a.PostAsJsonAsync("/v1/memories", new { text = "written by A", cube = "default", tenant = "tenant-b" });
        Assert.Equal(HttpStatusCode.BadRequest, smuggled.StatusCode);
        Assert.Contains("'tenant'", (await TestApp.ReadJsonAsync(smuggled)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await a.PostAsJsonAsync("/v1/memories", new { text = "written by A", cube = "default" })).StatusCode);
        var bSearch = await TestApp.ReadJsonAsync(await b.PostAsJsonAsync("/v1/search", new { query = "written by A", cube = "default" }));
        Assert.Equal(0, bSearch.GetProperty("hits").GetArrayLength());

        // B's memory is untouched.
        var own = await TestApp.ReadJsonAsync(await b.GetAsync($"/v1/memories/{id}"));
        Assert.Equal(1, own.GetProperty("version").GetInt32());
        Assert.Equal("active", own.GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_unknown_cube_is_404_for_reads()
    {
        await using var app = await TestApp.StartAsync();
        using var b = app.Client(TestApp.KeyB);
        await TestApp.AddAsync(b, "only in B", cube: "private");
        using var a = app.Client(TestApp.KeyA);
        Assert.Equal(HttpStatusCode.NotFound, (await a.PostAsJsonAsync("/v1/search", new { query = "only", cube = "private" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("/v1/memories?cube=private")).StatusCode);
    }
}
