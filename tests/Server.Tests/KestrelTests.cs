using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Tests;

public sealed class KestrelTests
{
    [Fact]
    public async Task Real_kestrel_on_loopback_port_0_serves_add_and_search()
    {
        await WithKestrelAsync(async (address, options) =>
        {
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

            // In the words a declared Content-Length over the limit gets: a bare "Content Too Large" did not tell the limit.
            var problem = await TestApp.ReadJsonAsync(tooLarge);
            Assert.Equal("Request body too large", problem.GetProperty("title").GetString());
            Assert.Equal($"The request body is larger than the limit of {options.MaxRequestBodyBytes} bytes.", problem.GetProperty("detail").GetString());
        });
    }

    [Fact]
    public async Task A_client_that_sends_a_whole_body_over_the_limit_before_reading_gets_the_413()
    {
        // Python's http.client and Node's fetch send the whole body, then read the answer: the 413, answered before the body
        // was read and with the connection closed behind it, reached them as a broken pipe. A raw connection does the same here.
        const long limit = 8 * 1024 * 1024;
        await WithRawConnectionAsync(limit, async (stream, reader, authority) =>
        {
            // Four times the limit, the most that is read: far more than the socket buffers between the two ends hold.
            long length = limit * Hosting.OversizedBodyGuard.DrainFactor;
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/memories HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {TestApp.KeyA}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"));
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
            }

            var (status, body) = await ReadResponseAsync(reader);
            Assert.Equal(413, status);
            using var problem = JsonDocument.Parse(body);
            Assert.Equal("Request body too large", problem.RootElement.GetProperty("title").GetString());
            Assert.Equal($"The request body is larger than the limit of {limit} bytes.", problem.RootElement.GetProperty("detail").GetString());

            // The body was read to its end, so the connection serves the next request.
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /v1/cubes HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {TestApp.KeyA}\r\n\r\n"));
            Assert.Equal(200, (await ReadResponseAsync(reader)).Status);
        });
    }

    [Fact]
    public async Task A_caller_without_a_key_gets_its_401_at_once_and_its_body_over_the_limit_is_never_read()
    {
        // The 413's drain read up to four times the limit from anyone, before the key check: a caller without a key could
        // keep the service reading for as long as it cared to trickle bytes. It gets its 401 now, with nothing sent.
        const long limit = 1024 * 1024;
        await WithRawConnectionAsync(limit, async (stream, reader, authority) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/memories HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {limit * 2}\r\n\r\n"));
            var (status, _) = await ReadResponseAsync(reader);
            Assert.Equal(401, status);
        });
    }

    [Fact]
    public async Task A_client_waiting_for_100_continue_gets_the_413_before_sending_a_body_over_the_limit()
    {
        // curl waits for "100 Continue" before a large body: the 413 comes instead, and the body is never sent or read.
        const long limit = 1024 * 1024;
        await WithRawConnectionAsync(limit, async (stream, reader, authority) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/memories HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {TestApp.KeyA}\r\nContent-Type: application/json\r\nContent-Length: {limit + 1}\r\nExpect: 100-continue\r\n\r\n"));
            var (status, body) = await ReadResponseAsync(reader);
            Assert.Equal(413, status);
            Assert.Contains($"larger than the limit of {limit} bytes", body, StringComparison.Ordinal);
        });
    }

    // The service on real Kestrel on a free loopback port (TestApp's options, with the given body limit), handed its address
    // and options; stopped and its folder removed afterwards.
    private static async Task WithKestrelAsync(Func<Uri, ServerOptions, Task> body, long limit = 1024 * 1024)
    {
        string folder = TestApp.NewFolder();
        var options = TestApp.Options(folder, limit);
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        var app = AgentMemServer.Build(options, b => b.Logging.ClearProviders());
        try
        {
            await app.StartAsync();
            await body(new Uri(Assert.Single(app.Urls)), options);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    // The service on real Kestrel with the given body limit, and one raw connection to it (its stream, a reader over it,
    // and the host:port for the Host header).
    private static Task WithRawConnectionAsync(long limit, Func<NetworkStream, StreamReader, string, Task> body) =>
        WithKestrelAsync(async (address, _) =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(address.Host, address.Port);
            using var stream = tcp.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await body(stream, reader, address.Authority);
        }, limit);

    // One HTTP/1.1 answer read off a raw connection: its status and its body (sized by Content-Length or chunked; ASCII).
    private static async Task<(int Status, string Body)> ReadResponseAsync(StreamReader reader)
    {
        string statusLine = await reader.ReadLineAsync() ?? throw new EndOfStreamException("The connection closed before an answer.");
        int status = int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (string? line = await reader.ReadLineAsync(); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync())
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        var body = new StringBuilder();
        if (headers.TryGetValue("Content-Length", out string? length))
        {
            body.Append(await ReadCharsAsync(reader, int.Parse(length, CultureInfo.InvariantCulture)));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out string? encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            for (int size; (size = int.Parse(await reader.ReadLineAsync() ?? "0", NumberStyles.HexNumber, CultureInfo.InvariantCulture)) > 0;)
            {
                body.Append(await ReadCharsAsync(reader, size));
                await reader.ReadLineAsync(); // the CRLF after the chunk
            }

            await reader.ReadLineAsync(); // the empty line that ends the trailers
        }

        return (status, body.ToString());
    }

    private static async Task<string> ReadCharsAsync(StreamReader reader, int count)
    {
        var buffer = new char[count];
        int read = await reader.ReadBlockAsync(buffer, 0, count);
        return new string(buffer, 0, read);
    }

    [Fact]
    public async Task Real_kestrel_keeps_tenants_apart_and_refuses_bad_requests()
    {
        await WithKestrelAsync(async (address, _) =>
        {
            using var a = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            a.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyA);
            using var b = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyB);
            using var anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

            string id = await TestApp.AddAsync(a, "tenant A's secret plan");
            Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/v1/memories/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/v1/memories/{id}?purge=true")).StatusCode);
            var search = await b.PostAsJsonAsync("/v1/search", new { query = "secret plan", cube = "notes" });
            // Tenant B has no cube "notes": 404, exactly as for a name that exists nowhere; never A's hits.
            Assert.Equal(HttpStatusCode.NotFound, search.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"/v1/memories/{id}")).StatusCode);

            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/v1/memories/{id}")).StatusCode);
            using var malformed = new StringContent("{\"text\": ", System.Text.Encoding.UTF8, "application/json");
            var bad = await a.PostAsync("/v1/memories", malformed);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        });
    }

    [Fact]
    public async Task Cube_and_user_names_holding_a_slash_are_found_through_their_escaped_route()
    {
        // Kestrel leaves %2F encoded in a route value: the Location a create answered was not found, and forgetting
        // user "org/alice" erased nothing and answered 200.
        await WithKestrelAsync(async (address, _) =>
        {
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyA);

            foreach (string name in new[] { "team/alpha", "50%2Foff" })
            {
                var created = await client.PostAsJsonAsync("/v1/cubes", new { name });
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                var found = await client.GetAsync(created.Headers.Location);
                Assert.Equal(HttpStatusCode.OK, found.StatusCode);
                Assert.Equal(name, (await TestApp.ReadJsonAsync(found)).GetProperty("name").GetString());
            }

            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/memories", new { cube = "notes", text = "Alice's locker is 12", user = "org/alice" })).StatusCode);
            var forgotten = await TestApp.ReadJsonAsync(await client.PostAsync("/v1/users/org%2Falice/forget", null));
            Assert.Equal(("org/alice", 1), (forgotten.GetProperty("user").GetString(), forgotten.GetProperty("written").GetInt32()));
        });
    }

    [Fact]
    public async Task Without_keys_an_endpoint_from_the_kestrel_configuration_on_another_address_fails_the_start()
    {
        // Validate saw the loopback URL it was given; Kestrel bound the configured endpoint instead, on every interface.
        string folder = TestApp.NewFolder();
        var options = new ServerOptions { Db = Path.Combine(folder, "server.db"), RequireAuth = false };
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        var refused = Assert.Throws<ArgumentException>(() => AgentMemServer.Build(options, b =>
        {
            b.Logging.ClearProviders();
            b.Configuration["Kestrel:Endpoints:Everywhere:Url"] = "http://0.0.0.0:0";
        }));
        Assert.Contains("0.0.0.0", refused.Message, StringComparison.Ordinal);

        // An address set past the service's options (another UseUrls, as a host or the environment may) is caught once bound.
        var app = AgentMemServer.Build(options, b =>
        {
            b.Logging.ClearProviders();
            b.WebHost.UseUrls("http://0.0.0.0:0");
        });
        try
        {
            var unbound = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
            Assert.Contains("0.0.0.0", unbound.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }

        // Loopback, configured either way, starts.
        string other = TestApp.NewFolder();
        options = new ServerOptions { Db = Path.Combine(other, "server.db"), RequireAuth = false };
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        app = AgentMemServer.Build(options, b =>
        {
            b.Logging.ClearProviders();
            b.Configuration["Kestrel:Endpoints:Local:Url"] = "http://127.0.0.1:0";
        });
        try
        {
            await app.StartAsync();
            await app.StopAsync();
        }
        finally
        {
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task Stopping_lets_in_flight_writes_finish_and_every_acknowledged_write_is_stored()
    {
        string folder = TestApp.NewFolder();
        var options = TestApp.Options(folder);
        options.Urls.Clear();
        options.Urls.Add("http://127.0.0.1:0");
        var app = AgentMemServer.Build(options, b => b.Logging.ClearProviders());
        var acknowledged = new List<string>();
        try
        {
            await app.StartAsync();
            using var client = new HttpClient { BaseAddress = new Uri(Assert.Single(app.Urls)), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyA);
            await TestApp.AddAsync(client, "warm up the cube");
            var writes = Enumerable.Range(0, 20)
                .Select(i => client.PostAsJsonAsync("/v1/memories", new { text = $"concurrent write number {i}", cube = "notes" }))
                .ToList();

            // Stop while writes are in flight: those already accepted must complete, not be cut off.
            await Task.WhenAny(writes);
            var stopping = app.StopAsync();
            foreach (var write in writes)
            {
                try
                {
                    var response = await write;
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged.Add((await TestApp.ReadJsonAsync(response)).GetProperty("id").GetString()!);
                    }
                }
                catch (HttpRequestException)
                {
                    // Refused after shutdown began: never acknowledged, so nothing is owed.
                }
            }

            await stopping;
        }
        finally
        {
            await app.DisposeAsync();
        }

        Assert.NotEmpty(acknowledged);
        await using (var memory = AgentMemServer.Compose(options.Db).Memory)
        {
            var scope = new MemoryCore.Model.Scope("tenant-a");
            foreach (string id in acknowledged)
            {
                var item = await memory.GetAsync(scope, MemoryCore.Identity.MemoryId.Parse(id));
                Assert.StartsWith("concurrent write", item.Text, StringComparison.Ordinal);
            }
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
