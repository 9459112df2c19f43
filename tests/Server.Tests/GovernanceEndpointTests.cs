using System.Net;
using System.Net.Http.Json;
using AgentMem.Server.Auth;

namespace AgentMem.Server.Tests;

/// <summary>Grants, policy, audit and cube delete over REST: owners decide, grantees and strangers get 403, unknown cubes 404.</summary>
public sealed class GovernanceEndpointTests
{
    [Fact]
    public async Task Only_the_owner_changes_grants_a_writer_grantee_gets_403()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await CreateAsync(client);

        var granted = await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { grants = new[] { new { user = "bob", access = "readwrite" } }, user = "alice" });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var shown = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes/shared/grants?user=bob"));
        Assert.Equal("alice", shown.GetProperty("ownerUser").GetString());
        Assert.Equal("readwrite", Assert.Single(shown.GetProperty("grants").EnumerateArray().ToList()).GetProperty("access").GetString());

        var refused = await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { grants = Array.Empty<object>(), user = "bob" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("owner", (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/v1/cubes/shared/grants?user=carol")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/cubes/missing/grants?user=alice")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { grants = new[] { new { user = "bob", access = "admin" } }, user = "alice" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { user = "alice" })).StatusCode);
    }

    [Fact]
    public async Task Policy_reads_and_merges_and_the_ttl_is_the_owners()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await CreateAsync(client);
        await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { grants = new[] { new { user = "bob", access = "readwrite" }, new { user = "dave", access = "write" } }, user = "alice" });

        // A grantee that may only add may not decide what becomes of the memories it cannot read (forgetting, the limit).
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync("/v1/cubes/shared/policy", new { forgettingThreshold = 0.99, maxItems = 1, user = "dave" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync("/v1/cubes/shared/policy", new { hardDeleteAfterDays = 1, user = "bob" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/v1/cubes/shared/policy", new { retentionDays = 30, user = "bob" })).StatusCode);
        var set = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync("/v1/cubes/shared/policy", new { hardDeleteAfterDays = 365, user = "alice" }));
        Assert.Equal((30, 365), (set.GetProperty("retentionDays").GetInt32(), set.GetProperty("hardDeleteAfterDays").GetInt32()));
        var shown = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes/shared/policy?user=bob"));
        Assert.Equal((365, 0), (shown.GetProperty("hardDeleteAfterDays").GetInt32(), shown.GetProperty("maxItems").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/v1/cubes/shared/policy", new { retentionDays = -1, user = "alice" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/v1/cubes/shared/policy?user=carol")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/cubes/missing/policy")).StatusCode);
    }

    [Fact]
    public async Task Audit_is_checked_like_the_data_it_describes()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await CreateAsync(client);
        var added = await client.PostAsJsonAsync("/v1/memories", new { text = "alice only", cube = "shared", user = "alice" });
        string id = (await TestApp.ReadJsonAsync(added)).GetProperty("id").GetString()!;

        var cube = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/audit?cube=shared&user=alice"));
        Assert.Contains(cube.EnumerateArray(), r => r.GetProperty("action").GetString() == "add");
        Assert.Single((await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/audit?memory={id}&user=alice"))).EnumerateArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/v1/audit?cube=shared&user=carol")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/v1/audit?memory={id}&user=carol")).StatusCode);
        Assert.Empty((await TestApp.ReadJsonAsync(await client.GetAsync("/v1/audit?user=carol"))).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/audit?cube=missing")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/audit?memory=not-an-id")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/audit?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/v1/audit?after=-1")).StatusCode);

        // Pages: each line carries its seq; reading on after the first page's last one gives the rest.
        var lines = (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/audit?cube=shared&user=alice"))).EnumerateArray().Select(r => (r.GetProperty("action").GetString(), r.GetProperty("seq").GetInt64())).ToList();
        Assert.True(lines.Count >= 2, $"{lines.Count} lines");
        var rest = (await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/audit?cube=shared&user=alice&after={lines[0].Item2}"))).EnumerateArray().Select(r => (r.GetProperty("action").GetString(), r.GetProperty("seq").GetInt64()));
        Assert.Equal(lines.Skip(1), rest);
        var memoryLine = Assert.Single((await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}/audit?user=alice&after=0"))).EnumerateArray());
        Assert.Contains(("add", memoryLine.GetProperty("seq").GetInt64()), lines);

        // Another tenant's key finds nothing of it.
        using var other = app.Client(TestApp.KeyB);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/v1/audit?cube=shared")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/audit?memory={id}")).StatusCode);
    }

    [Fact]
    public async Task Only_the_owner_deletes_a_cube_then_it_is_gone()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await CreateAsync(client);
        await client.PutAsJsonAsync("/v1/cubes/shared/grants", new { grants = new[] { new { user = "bob", access = "readwrite" } }, user = "alice" });
        await client.PostAsJsonAsync("/v1/memories", new { text = "doomed otters", cube = "shared", user = "alice" });

        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("/v1/cubes/shared?user=bob")).StatusCode);
        using var other = app.Client(TestApp.KeyB);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync("/v1/cubes/shared")).StatusCode);
        var deleted = await TestApp.ReadJsonAsync(await client.DeleteAsync("/v1/cubes/shared?user=alice"));
        Assert.Equal(1, deleted.GetProperty("memories").GetInt32());

        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/v1/cubes/shared?user=alice")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync("/v1/search", new { query = "otters", cube = "shared", user = "alice" })).StatusCode);
        var audit = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/audit?user=alice"));
        Assert.Contains(audit.EnumerateArray(), r => r.GetProperty("action").GetString() == "cube.delete");
    }

    [Fact]
    public async Task A_created_cube_is_where_its_location_says()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        var created = await client.PostAsJsonAsync("/v1/cubes", new { name = "shared space", user = "alice" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The Location pointed at a route with no GET (405).
        var fetched = await client.GetAsync(created.Headers.Location + "?user=alice");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        var cube = await TestApp.ReadJsonAsync(fetched);
        Assert.Equal(((await TestApp.ReadJsonAsync(created)).GetProperty("id").GetString(), "shared space"), (cube.GetProperty("id").GetString(), cube.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/cubes/no-such-cube?user=alice")).StatusCode);
    }

    [Fact]
    public async Task A_cube_user_or_agent_named_dot_or_dot_dot_is_refused_with_400()
    {
        // A path cannot carry "." or ".." (they are removed as dot segments): such a cube answered 201 with a Location that
        // led elsewhere (/v1/cubes/. lists the cubes), and such a user's memories could not be forgotten over REST.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        foreach (string name in new[] { "..", "." })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/cubes", new { name })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/memories", new { cube = name, text = "x" })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/memories", new { cube = "notes", text = "x", user = name })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "notes", items = new[] { new { text = "x" } }, agent = name })).StatusCode);
        }

        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes"))).GetArrayLength());

        // Nor may a key be bound to such a user or agent: it could add nothing.
        Assert.Throws<ArgumentException>(() => new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash("am_dots")) { User = ".." }.Validate());
        Assert.Throws<ArgumentException>(() => new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash("am_dots")) { User = "alice", Agent = "." }.Validate());
    }

    [Fact]
    public async Task A_write_only_grantee_adds_to_an_existing_cube_it_cannot_read()
    {
        const string CarolKey = "am_test_key_bound_to_carol";
        await using var app = await TestApp.StartAsync(configure: o => o.ApiKeys.Add(new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash(CarolKey)) { User = "carol" }));
        using var client = app.Client();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/cubes", new { name = "inbox", user = "alice" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/v1/cubes/inbox/grants", new { grants = new[] { new { user = "carol", access = "write" } }, user = "alice" })).StatusCode);

        // The add asked for read access to the existing cube, so a write grant could not add (403; 404 with a bound key).
        var added = await client.PostAsJsonAsync("/v1/memories", new { cube = "inbox", text = "carol's parcel arrived", user = "carol" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var batch = await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "inbox", items = new[] { new { text = "carol's second parcel arrived" } }, user = "carol" });
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        using var carol = app.Client(CarolKey);
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsJsonAsync("/v1/memories", new { cube = "inbox", text = "carol's third parcel arrived" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carol.PostAsJsonAsync("/v1/memories/batch", new { cube = "inbox", items = new[] { new { text = "carol's fourth parcel arrived" } } })).StatusCode);

        // Still no reading, and no writing without the grant.
        string id = (await TestApp.ReadJsonAsync(added)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await carol.GetAsync($"/v1/memories/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/v1/memories/{id}?user=carol")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/v1/memories", new { cube = "inbox", text = "dave was here", user = "dave" })).StatusCode);
        Assert.Equal(4, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=inbox&user=alice"))).GetArrayLength());
    }

    private static async Task CreateAsync(HttpClient client)
    {
        var created = await client.PostAsJsonAsync("/v1/cubes", new { name = "shared", user = "alice" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
