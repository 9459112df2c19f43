using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentMem.Campaign.Bench;

/// <summary>The few REST calls the load and kill tests make, with the key sent as a bearer token.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient http;

    public ApiClient(Uri baseAddress, ApiKey key, TimeSpan? timeout = null)
    {
        // One connection pool per client, so 16 clients are 16 concurrent connections, not 16 requests queued on a few.
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
    }

    public HttpClient Http => http;

    /// <summary>Adds a memory; returns its id on 2xx, otherwise the status.</summary>
    public async Task<(string? Id, int Status)> AddAsync(string cube, string text)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/v1/memories", UriKind.Relative), new { cube, text });
        if (!response.IsSuccessStatusCode)
        {
            return (null, (int)response.StatusCode);
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("id").GetString(), (int)response.StatusCode);
    }

    /// <summary>Updates a memory's text; returns the new version on 2xx.</summary>
    public async Task<(int? Version, int Status)> UpdateAsync(string id, string text)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri($"/v1/memories/{id}", UriKind.Relative))
        {
            Content = JsonContent.Create(new { text, reason = "campaign update" }),
        };
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            return (null, (int)response.StatusCode);
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("version").GetInt32(), (int)response.StatusCode);
    }

    public async Task<int> SearchAsync(string cube, string query)
    {
        using var response = await http.PostAsJsonAsync(new Uri("/v1/search", UriKind.Relative), new { cube, query, k = 5 });
        await response.Content.ReadAsStringAsync();
        return (int)response.StatusCode;
    }

    /// <summary>The current version and text of a memory, or null with the status when it is not readable.</summary>
    public async Task<(int Version, string Text)?> GetAsync(string id)
    {
        using var response = await http.GetAsync(new Uri($"/v1/memories/{id}", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (doc.RootElement.GetProperty("version").GetInt32(), doc.RootElement.GetProperty("text").GetString() ?? "");
    }

    public void Dispose() => http.Dispose();
}
