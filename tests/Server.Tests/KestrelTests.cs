using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

public sealed class KestrelTests
{
    [Fact]
    public async Task Real_kestrel_on_loopback_port_0_serves_add_and_search()
    {
        string folder = TestApp.NewFolder();
        var options = TestApp.Options(folder);
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        var app = AgentMemServer.Build(options, b => b.Logging.ClearProviders());
        try
        {
            await app.StartAsync();
            var address = new Uri(Assert.Single(app.Urls));
            Assert.True(IPAddress.IsLoopback(IPAddress.Parse(address.Host)));
            Assert.NotEqual(0, address.Port);

            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyA);
            string id = await TestApp.AddAsync(client, "The quarterly review moved to Thursday");
            var search = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/search", new { query = "quarterly review", cube = "notes" }));
            Assert.Equal(id, search.GetProperty("hits")[0].GetProperty("memory").GetProperty("id").GetString());

            // Kestrel itself enforces the body limit on a streamed (no Content-Length) body.
            using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"text\":\"" + new string('a', 2 * 1024 * 1024) + "\"}")));
            chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/memories") { Content = chunked };
            request.Headers.TransferEncodingChunked = true;
            var tooLarge = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
