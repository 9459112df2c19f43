using System.Net;
using System.Net.Http.Json;
using AgentMem.Server.Auth;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

/// <summary>Identity from credentials: a key bound to a user acts as that user only, whatever the request says.</summary>
public sealed class BoundKeyTests
{
    private const string AliceKey = "am_test_key_bound_to_alice";
    private const string AnyUserKey = "am_test_key_for_any_user";

    [Fact]
    public async Task A_user_bound_key_acts_as_its_user_and_cannot_claim_another()
    {
        using var folder = new TempFolder("server");
        var options = new ServerOptions { Db = folder.File("server.db") };
        foreach (var entry in ApiKeyHasher.ParseKeyFile([
            "# tenant-a: one key for alice alone, one for a trusted gateway that names the user",
            $"tenant-a:{ApiKeyHasher.Hash(AliceKey)} user=alice",
            $"tenant-a:{ApiKeyHasher.Hash(AnyUserKey)}",
        ]))
        {
            options.ApiKeys.Add(entry);
        }

        await using var app = AgentMemServer.Build(options, b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.ClearProviders();
        });
        await app.StartAsync();
        using var gateway = app.GetTestClient();
        gateway.DefaultRequestHeaders.Authorization = new("Bearer", AnyUserKey);
        using var alice = app.GetTestClient();
        alice.DefaultRequestHeaders.Authorization = new("Bearer", AliceKey);

        // Bob's private cube and Alice's, made through the gateway key (which may name any user).
        var bobCube = await gateway.PostAsJsonAsync("/v1/cubes", new { name = "bob-diary", user = "bob" });
        Assert.Equal(HttpStatusCode.Created, bobCube.StatusCode);
        string bobCubeId = (await TestApp.ReadJsonAsync(bobCube)).GetProperty("id").GetString()!;
        var secret = await TestApp.ReadJsonAsync(await gateway.PostAsJsonAsync("/v1/memories", new { text = "bob's secret: the surprise party is Friday", cube = "bob-diary", user = "bob" }));
        string secretId = secret.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await gateway.PostAsJsonAsync("/v1/cubes", new { name = "alice-notes", user = "alice" })).StatusCode);

        // Alice's key writes and searches her cube without naming anyone: it acts as alice.
        var tea = await alice.PostAsJsonAsync("/v1/memories", new { text = "alice likes green tea", cube = "alice-notes" });
        Assert.Equal(HttpStatusCode.Created, tea.StatusCode);
        string teaId = (await TestApp.ReadJsonAsync(tea)).GetProperty("id").GetString()!;
        var mine = await TestApp.ReadJsonAsync(await alice.PostAsJsonAsync("/v1/search", new { query = "green tea", cube = "alice-notes" }));
        Assert.Equal(1, mine.GetProperty("hits").GetArrayLength());

        // It cannot read Bob's cube, nor learn that it exists: the answer is an unknown cube's (404), the same as for a
        // name nobody uses; and it cannot claim to be Bob (or anyone else) to get in.
        var bobs = await alice.PostAsJsonAsync("/v1/search", new { query = "surprise party", cube = "bob-diary" });
        Assert.Equal(HttpStatusCode.NotFound, bobs.StatusCode);
        Assert.DoesNotContain("bob", (await bobs.Content.ReadAsStringAsync()).Replace("bob-diary", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var nobody = await alice.PostAsJsonAsync("/v1/search", new { query = "surprise party", cube = "no-such-cube" });
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/v1/audit?cube=bob-diary")).StatusCode);

        // Word for word the same answer, but for the name asked about; a cube named by its id keeps its name to itself.
        static async Task<string> Detail(HttpResponseMessage response, string asked) =>
            (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString()!.Replace(asked, "NAME", StringComparison.Ordinal);
        Assert.Equal(await Detail(nobody, "no-such-cube"), await Detail(bobs, "bob-diary"));

        // And it gives no advice: an HTTP client has no `agentmem cube create`, and creating bob-diary would be refused as a taken name (409).
        string hidden = await Detail(bobs, "bob-diary");
        Assert.DoesNotContain("agentmem", hidden, StringComparison.Ordinal);
        Assert.DoesNotContain("reate", hidden, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await alice.PostAsJsonAsync("/v1/cubes", new { name = "bob-diary" })).StatusCode);
        foreach (var byCubeId in new[] { await alice.GetAsync($"/v1/memories?cube={bobCubeId}"), await alice.PostAsJsonAsync("/v1/memories", new { text = "x", cube = bobCubeId }) })
        {
            Assert.Equal(HttpStatusCode.NotFound, byCubeId.StatusCode);
            Assert.DoesNotContain("bob", (await byCubeId.Content.ReadAsStringAsync()).Replace(bobCubeId, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        // Nor by naming one of its memories by id: the answer is an unknown id's, without the cube's name.
        foreach (string path in new[] { $"/v1/memories/{secretId}", $"/v1/memories/{secretId}/history", $"/v1/audit?memory={secretId}" })
        {
            var byId = await alice.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
            string body = await byId.Content.ReadAsStringAsync();
            Assert.Contains($"No memory {secretId} in this tenant.", body, StringComparison.Ordinal);
            Assert.DoesNotContain("bob", body, StringComparison.Ordinal);
        }

        // Batches naming it beside one of alice's own memories answer as for an unknown id too.
        var batches = new[]
        {
            await alice.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id = teaId, tags = new[] { "tea" } }, new { id = secretId, tags = new[] { "x" } } } }),
            await alice.PutAsJsonAsync("/v1/memories/states", new { items = new object[] { new { id = teaId, state = "archived" }, new { id = secretId, state = "archived" } } }),
        };
        foreach (var batch in batches)
        {
            Assert.Equal(HttpStatusCode.NotFound, batch.StatusCode);
            string body = await batch.Content.ReadAsStringAsync();
            Assert.Contains($"No memory {secretId} in this tenant.", body, StringComparison.Ordinal);
            Assert.DoesNotContain("bob", body, StringComparison.Ordinal);
        }

        var claimed = await alice.PostAsJsonAsync("/v1/search", new { query = "surprise party", cube = "bob-diary", user = "bob" });
        Assert.Equal(HttpStatusCode.Forbidden, claimed.StatusCode);
        Assert.Contains("acts as user 'alice' only", await claimed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Naming itself is fine.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsJsonAsync("/v1/search", new { query = "green tea", cube = "alice-notes", user = "alice" })).StatusCode);
    }

    [Fact]
    public void A_key_listed_for_two_identities_is_refused_and_one_listed_twice_alike_is_fine()
    {
        string hash = ApiKeyHasher.Hash(AliceKey);
        var options = new ServerOptions { Db = "unused.db" };
        foreach (var entry in ApiKeyHasher.ParseKeyFile([$"tenant-a:{hash}", $"tenant-a:{hash.ToUpperInvariant()} user=alice"]))
        {
            options.ApiKeys.Add(entry);
        }

        var ex = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("user=alice", ex.Message, StringComparison.Ordinal);

        options.ApiKeys.RemoveAt(1);
        options.ApiKeys.Add(new ApiKeyEntry("tenant-b", hash));
        Assert.Throws<ArgumentException>(options.Validate);

        options.ApiKeys.RemoveAt(1);
        options.ApiKeys.Add(new ApiKeyEntry("tenant-a", hash));
        options.Validate();
    }

    [Fact]
    public void A_key_bound_to_a_blank_user_or_agent_and_a_sweep_interval_no_timer_takes_are_refused()
    {
        // A blank binding read as no binding: a key meant for one user acted as the whole tenant. An interval past what a
        // timer takes (about 49.7 days) failed the sweep's task at start, unobserved: the TTL was never applied.
        string hash = ApiKeyHasher.Hash(AliceKey);
        foreach (var entry in new[] { new ApiKeyEntry("tenant-a", hash) { User = "" }, new ApiKeyEntry("tenant-a", hash) { User = "  " }, new ApiKeyEntry("tenant-a", hash) { Agent = "" } })
        {
            var options = new ServerOptions { Db = "unused.db" };
            options.ApiKeys.Add(entry);
            Assert.Throws<ArgumentException>(options.Validate);
        }

        ServerOptions Sweeping(TimeSpan interval)
        {
            var options = new ServerOptions { Db = "unused.db", ExpirySweepInterval = interval };
            options.ApiKeys.Add(new ApiKeyEntry("tenant-a", hash) { User = "alice" });
            return options;
        }

        Assert.Throws<ArgumentOutOfRangeException>(Sweeping(TimeSpan.FromDays(60)).Validate);
        Assert.Throws<ArgumentOutOfRangeException>(Sweeping(TimeSpan.FromTicks(1)).Validate);
        Sweeping(TimeSpan.Zero).Validate();
        Sweeping(TimeSpan.FromDays(30)).Validate();
    }

    [Fact]
    public void Key_file_lines_bind_users_and_agents_and_bad_ones_name_their_line()
    {
        string hash = ApiKeyHasher.Hash("k");
        var entries = ApiKeyHasher.ParseKeyFile([$"team: one:{hash} user=ann agent=planner", $"plain:{hash}"]);
        Assert.Equal(("team: one", "ann", "planner"), (entries[0].Tenant, entries[0].User, entries[0].Agent));
        Assert.Equal(("plain", (string?)null, (string?)null), (entries[1].Tenant, entries[1].User, entries[1].Agent));
        var bad = Assert.Throws<FormatException>(() => ApiKeyHasher.ParseKeyFile(["# fine", $"t:{hash} role=admin"]));
        Assert.Contains("line 2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_file_lines_naming_identities_no_request_may_act_as_or_a_binding_twice_are_refused_naming_their_line()
    {
        // They loaded, then every request made with the key answered 400: the request's scope refused the names.
        string hash = ApiKeyHasher.Hash("k");
        foreach (var (line, reason) in new[]
        {
            ($"acme:{hash} user=\U0001F98A", "user name"),
            ($"acme:{hash} agent=a\u0001b", "agent name"),
            ($"{new string('t', 129)}:{hash}", "tenant name is 129 characters long"),
        })
        {
            var bad = Assert.Throws<FormatException>(() => ApiKeyHasher.ParseKeyFile(["# first", line]));
            Assert.Contains("Key file line 2", bad.Message, StringComparison.Ordinal);
            Assert.Contains(reason, bad.Message, StringComparison.Ordinal);
        }

        var twice = Assert.Throws<FormatException>(() => ApiKeyHasher.ParseKeyFile(["# first", "", $"t:{hash} user=a user=b"]));
        Assert.Contains("Key file line 3", twice.Message, StringComparison.Ordinal);
        Assert.Contains("'user=' is given twice", twice.Message, StringComparison.Ordinal);

        // Keys added in code are held to the same rules.
        var options = new ServerOptions { Db = "unused.db" };
        options.ApiKeys.Add(new ApiKeyEntry("acme", hash) { User = "\U0001F98A" });
        Assert.Contains("user name", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        Assert.Equal("a", ApiKeyHasher.ParseKeyFile([$"t:{hash} user=a"])[0].User);
    }
}
