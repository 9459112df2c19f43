using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// (3a) REST fuzzing: every route of the served OpenAPI document gets seeded random and mutated JSON bodies, damaged
/// bytes, and random path and query values. Each answer must be 2xx (the mutation happened to be valid) or a 4xx
/// problem-details document; a 5xx, a 4xx without problem details, a dropped connection or a dead service is a finding.
/// </summary>
internal static class RestFuzzPhase
{
    private static readonly string[] PathValues = ["", "x", "0", "-1", "01J00000000000000000000000", "..", "%00", "a b", "\u00e9\u00e9", new string('9', 5000), "' OR 1=1 --"];

    public static async Task<RestFuzzOutcome> RunAsync(CampaignOptions options)
    {
        var workspace = new ServiceWorkspace(Path.Combine(options.WorkDirectory, "rest-fuzz"), options.CliDll);
        using var service = await workspace.StartAsync();
        using var api = new ApiClient(service.BaseAddress, workspace.Key, TimeSpan.FromSeconds(30));
        var random = new Random(options.Seed);
        var fuzz = new JsonFuzz(random);

        using var document = JsonDocument.Parse(await api.Http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add((await api.AddAsync("default", $"fuzz target {i}: Melanie painted a lake at sunrise")).Id!);
        }

        var rows = new List<RestFuzzRow>();
        var findings = new List<string>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                string route = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var seed = RequestSeeds.Body(route, operation.Value, document.RootElement);
                bool hasBody = operation.Value.TryGetProperty("requestBody", out _);
                var parameters = operation.Value.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().ToList() : [];
                int accepted = 0, rejected = 0, found = 0;
                for (int i = 0; i < options.RestCasesPerRoute; i++)
                {
                    string uri = BuildUri(path.Name, parameters, ids, random, fuzz);
                    using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), new Uri(uri, UriKind.Relative));
                    string bodyText = "";
                    if (hasBody)
                    {
                        byte[] body = random.Next(8) switch
                        {
                            0 => Encoding.UTF8.GetBytes(seed?.ToJsonString() ?? "{}"),
                            1 => Encoding.UTF8.GetBytes(fuzz.RandomValue()?.ToJsonString() ?? "null"),
                            2 or 3 => fuzz.DamageBytes(seed),
                            _ => Encoding.UTF8.GetBytes(fuzz.Mutate(seed)?.ToJsonString() ?? "null"),
                        };
                        bodyText = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 200)]);
                        request.Content = new ByteArrayContent(body);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(20) == 0 ? "text/plain" : "application/json");
                    }

                    string? finding = null;
                    try
                    {
                        using var response = await api.Http.SendAsync(request);
                        int status = (int)response.StatusCode;
                        string mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
                        await response.Content.ReadAsByteArrayAsync();
                        if (status < 300)
                        {
                            accepted++;
                        }
                        else if (status is >= 400 and < 500 && mediaType == "application/problem+json")
                        {
                            rejected++;
                        }
                        else
                        {
                            finding = $"HTTP {status} ({(mediaType.Length == 0 ? "no body type" : mediaType)})";
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        finding = $"{ex.GetType().Name}: {ex.Message}";
                    }

                    if (finding is not null)
                    {
                        found++;
                        if (findings.Count < 40)
                        {
                            findings.Add($"{route} {uri} -> {finding}; body {bodyText}");
                        }
                    }

                    if (service.HasExited)
                    {
                        findings.Add($"{route}: the service exited");
                        break;
                    }
                }

                rows.Add(new RestFuzzRow(route, accepted + rejected + found, accepted, rejected, found));
            }
        }

        bool crashed = service.HasExited;
        int unhandled = service.Log.Split('\n').Count(l => l.Contains("Unhandled error", StringComparison.Ordinal));
        await service.StopAsync(TimeSpan.FromSeconds(40));
        foreach (string f in findings)
        {
            Console.WriteLine($"  FINDING: {f}");
        }

        return new RestFuzzOutcome(rows, crashed, unhandled, IntegrityCheck.Run(workspace.Database));
    }

    private static string BuildUri(string template, List<JsonElement> parameters, List<string> ids, Random random, JsonFuzz fuzz)
    {
        var uri = new StringBuilder(template);
        var query = new List<string>();
        foreach (var p in parameters)
        {
            string name = p.GetProperty("name").GetString()!;
            string where = p.GetProperty("in").GetString()!;
            if (where == "path")
            {
                string value = random.Next(10) < 6 ? ids[random.Next(ids.Count)] : PathValues[random.Next(PathValues.Length)];
                uri.Replace("{" + name + "}", Uri.EscapeDataString(value));
            }
            else if (where == "query" && random.Next(2) == 0)
            {
                string value = fuzz.RandomValue(0)?.ToJsonString().Trim('"') ?? "";
                query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
            }
        }

        return query.Count == 0 ? uri.ToString() : $"{uri}?{string.Join('&', query)}";
    }
}

internal sealed record RestFuzzRow(string Route, int Cases, int Accepted, int Rejected, int Findings);

internal sealed record RestFuzzOutcome(IReadOnlyList<RestFuzzRow> Rows, bool Crashed, int UnhandledErrorsLogged, string Integrity);
