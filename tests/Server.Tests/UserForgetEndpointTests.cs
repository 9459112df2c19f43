using System.Net;
using System.Net.Http.Json;
using AgentMem.Server.Auth;

namespace AgentMem.Server.Tests;

/// <summary><c>POST /v1/users/{user}/forget</c>: the tenant's key forgets anyone, a user-bound key only its user.</summary>
public sealed class UserForgetEndpointTests
{
    private const string BobKey = "am_test_key_bound_to_bob";
    private const string RogueKey = "am_test_key_bound_to_alice_and_rogue";

    [Fact]
    public async Task The_tenant_key_forgets_a_user_in_every_cube_and_a_key_bound_to_another_user_gets_403()
    {
        await using var app = await TestApp.StartAsync(configure: o => o.ApiKeys.Add(new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash(BobKey)) { User = "bob" }));
        using var client = app.Client();
        using var bob = app.Client(BobKey);
        // Cubes of the tenant's owner scope (no user): every user of the tenant writes there.
        await client.PostAsJsonAsync("/v1/cubes", new { name = "notes" });
        await client.PostAsJsonAsync("/v1/cubes", new { name = "diary" });
        await client.PostAsJsonAsync("/v1/memories", new { text = "carol's plan", cube = "notes", user = "carol" });
        await client.PostAsJsonAsync("/v1/memories", new { text = "carol again", cube = "diary", user = "carol" });
        var kept = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories", new { text = "dave's fact", cube = "notes", user = "dave" }));

        Assert.True(kept.TryGetProperty("id", out _), kept.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/v1/users/carol/forget", null)).StatusCode);
        var forgot = await TestApp.ReadJsonAsync(await client.PostAsync("/v1/users/carol/forget", null));

        Assert.Equal(("carol", 2, 0, 2), (forgot.GetProperty("user").GetString(), forgot.GetProperty("written").GetInt32(), forgot.GetProperty("derived").GetInt32(), forgot.GetProperty("cubes").GetInt32()));
        Assert.Equal(0, forgot.GetProperty("grantsDropped").GetInt32());
        Assert.Empty(forgot.GetProperty("ownedCubes").EnumerateArray()); // the tenant's cubes are nobody's
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/memories/{kept.GetProperty("id").GetString()}")).StatusCode);
        var again = await TestApp.ReadJsonAsync(await bob.PostAsync("/v1/users/bob/forget", null));
        Assert.Equal(0, again.GetProperty("written").GetInt32());
    }

    [Fact]
    public async Task A_key_bound_to_one_agent_of_the_user_gets_403_and_forgets_nothing_while_a_cube_holding_their_memories_is_closed_to_it()
    {
        await using var app = await TestApp.StartAsync(configure: o => o.ApiKeys.Add(new ApiKeyEntry("tenant-a", ApiKeyHasher.Hash(RogueKey)) { User = "alice", Agent = "rogue" }));
        using var client = app.Client();
        using var rogue = app.Client(RogueKey);
        var vault = await client.PostAsJsonAsync("/v1/cubes", new { name = "vault", user = "alice", agent = "trusted" });
        Assert.Equal(HttpStatusCode.Created, vault.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/memories", new { text = "alice's vault note", cube = "vault", user = "alice", agent = "trusted" })).StatusCode);

        var refused = await rogue.PostAsync("/v1/users/alice/forget", null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        string body = await refused.Content.ReadAsStringAsync();
        Assert.Contains("nothing was forgotten", body, StringComparison.Ordinal);
        Assert.DoesNotContain("vault", body, StringComparison.Ordinal); // a cube the key may not read is not named
        var forgot = await TestApp.ReadJsonAsync(await client.PostAsync("/v1/users/alice/forget", null));
        Assert.Equal(1, forgot.GetProperty("written").GetInt32()); // the note was still there for the tenant's key

        // The cube alice owns is named for the caller to delete, not deleted.
        string vaultId = (await TestApp.ReadJsonAsync(vault)).GetProperty("id").GetString()!;
        Assert.Equal(vaultId, Assert.Single(forgot.GetProperty("ownedCubes").EnumerateArray()).GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/v1/cubes/{vaultId}?user=alice&agent=trusted")).StatusCode);
    }
}
