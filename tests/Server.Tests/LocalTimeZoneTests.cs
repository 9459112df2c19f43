using System.Net;
using System.Net.Http.Json;

namespace AgentMem.Server.Tests;

/// <summary>These tests change the process's time zone: this collection runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalTimeZoneCollection
{
    public const string Name = "local time zone";
}

/// <summary>Times in request bodies mean the same whatever zone the server runs in.</summary>
[Collection(LocalTimeZoneCollection.Name)]
public sealed class LocalTimeZoneTests
{
    [Fact]
    public async Task A_time_without_an_offset_is_utc_whatever_the_servers_time_zone()
    {
        string? zone = Environment.GetEnvironmentVariable("TZ");
        Environment.SetEnvironmentVariable("TZ", "Europe/Berlin");
        TimeZoneInfo.ClearCachedData();
        try
        {
            Assert.Equal(TimeSpan.FromHours(2), TimeZoneInfo.Local.GetUtcOffset(new DateTime(2024, 5, 7))); // the zone took
            await using var app = await TestApp.StartAsync();
            using var client = app.Client();

            var created = await client.PostAsJsonAsync("/v1/memories", new { text = "Caroline moved to Sweden", validFrom = "2024-05-07", validTo = "2024-06-01T12:30" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            string id = (await TestApp.ReadJsonAsync(created)).GetProperty("id").GetString()!;
            var got = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
            Assert.Equal("2024-05-07T00:00:00+00:00", got.GetProperty("validFrom").GetString());
            Assert.Equal("2024-06-01T12:30:00+00:00", got.GetProperty("validTo").GetString());

            // The same rule for an update and a batch; an offset given is kept as the instant it names, and an event start
            // is given back at its offset (the day it names is the speaker's, which the context shows).
            var updated = await client.PatchAsJsonAsync($"/v1/memories/{id}", new { validTo = "2024-06-02" });
            Assert.Equal("2024-06-02T00:00:00+00:00", (await TestApp.ReadJsonAsync(updated)).GetProperty("validTo").GetString());
            var batch = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { items = new[] { new { text = "Melanie painted a sunrise", validFrom = "2024-05-08T09:00:00" }, new { text = "Melanie ran a charity race", validFrom = "2024-05-09T09:00:00+02:00" } } }));
            var first = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{batch[0].GetProperty("id").GetString()}"));
            Assert.Equal("2024-05-08T09:00:00+00:00", first.GetProperty("validFrom").GetString());
            var second = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{batch[1].GetProperty("id").GetString()}"));
            Assert.Equal(new DateTimeOffset(2024, 5, 9, 7, 0, 0, TimeSpan.Zero), second.GetProperty("validFrom").GetDateTimeOffset());
            Assert.Equal("2024-05-09T09:00:00+02:00", second.GetProperty("validFrom").GetString());

            // Not a date: still a bad request.
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/memories", new { text = "x", validFrom = "07/05/2024" })).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/v1/memories", new { text = "x", validFrom = 20240507 })).StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", zone);
            TimeZoneInfo.ClearCachedData();
        }
    }
}
