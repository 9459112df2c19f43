using System.Net;
using System.Text.Json;

namespace AgentMem.Server.Tests;

/// <summary>The served OpenAPI document is complete enough to generate clients from (see clients/ and .ci/clients).</summary>
public sealed class OpenApiDocumentTests
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private static async Task<JsonElement> DocumentAsync(Action<ServerOptions>? configure = null)
    {
        await using var app = await TestApp.StartAsync(configure: configure);
        using var client = app.Client(key: null);
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TestApp.ReadJsonAsync(response);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where Methods.Contains(method.Name)
        select (path.Name, method.Name, method.Value);

    [Fact]
    public async Task Bearer_scheme_is_declared()
    {
        var schemes = (await DocumentAsync()).GetProperty("components").GetProperty("securitySchemes");
        var bearer = schemes.GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        var header = schemes.GetProperty("ApiKeyHeader");
        Assert.Equal("apiKey", header.GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", header.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Every_v1_operation_is_documented_secured_and_answers_401()
    {
        var document = await DocumentAsync();
        var v1 = Operations(document).Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        Assert.True(v1.Count >= 11, $"only {v1.Count} /v1 operations");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, method, operation) in v1)
        {
            string where = $"{method} {path}";
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), where);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()), where);
            Assert.True(ids.Add(operation.GetProperty("operationId").GetString()!), $"{where}: duplicate operationId");

            var security = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
            Assert.Contains("Bearer", security);

            var unauthorized = operation.GetProperty("responses").GetProperty("401");
            Assert.Equal("#/components/schemas/ProblemDetails", unauthorized.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
            if (operation.TryGetProperty("requestBody", out var body))
            {
                Assert.True(body.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _), $"{where}: no request example");
                Assert.True(operation.GetProperty("responses").TryGetProperty("413", out _), $"{where}: no 413");
                Assert.True(operation.GetProperty("responses").TryGetProperty("415", out var unsupported), $"{where}: no 415");
                Assert.Contains("application/json", unsupported.GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Operation_ids_are_the_published_ones()
    {
        // Generated clients name their methods after these; renaming one breaks every client.
        var ids = Operations(await DocumentAsync()).Select(o => o.Operation.GetProperty("operationId").GetString()).Order(StringComparer.Ordinal);
        string[] expected = ["AddMemories", "AddMemory", "BuildContext", "CreateCube", "DeleteCube", "DeleteMemory", "ForgetUser", "GetCube", "GetCubeGrants", "GetCubePolicy", "GetMemory", "Health", "ListCubes", "ListMemories", "MemoryAudit", "MemoryHistory", "MemoryLinks", "ReadAudit", "Search", "SetCubeGrants", "SetCubePolicy", "SetMemoryState", "SetMemoryStates", "UpdateMemories", "UpdateMemory"];
        Assert.Equal(expected, ids);
    }

    [Fact]
    public async Task Health_is_open_and_the_server_url_has_no_trailing_slash()
    {
        var document = await DocumentAsync();
        var health = document.GetProperty("paths").GetProperty("/health").GetProperty("get");
        Assert.False(health.TryGetProperty("security", out var security) && security.GetArrayLength() > 0, "/health must need no key");
        Assert.False(document.TryGetProperty("security", out _), "no document-wide security: it would cover /health");

        foreach (var server in document.GetProperty("servers").EnumerateArray())
        {
            Assert.False(server.GetProperty("url").GetString()!.EndsWith('/'), server.GetProperty("url").GetString());
        }
    }

    [Fact]
    public async Task Every_tag_in_use_has_a_description()
    {
        var document = await DocumentAsync();
        var described = document.GetProperty("tags").EnumerateArray()
            .Where(t => !string.IsNullOrWhiteSpace(t.GetProperty("description").GetString()))
            .Select(t => t.GetProperty("name").GetString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, method, operation) in Operations(document))
        {
            foreach (var tag in operation.GetProperty("tags").EnumerateArray())
            {
                Assert.True(described.Contains(tag.GetString()), $"{method} {path}: tag '{tag.GetString()}' has no description");
            }
        }
    }

    [Fact]
    public async Task Numbers_are_documented_as_numbers_only()
    {
        var budget = (await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("ContextRequest").GetProperty("properties").GetProperty("budget");
        var types = budget.GetProperty("type").EnumerateArray().Select(t => t.GetString()).ToList();
        Assert.Contains("integer", types);
        Assert.DoesNotContain("string", types);
        Assert.False(budget.TryGetProperty("pattern", out _));
    }

    [Fact]
    public async Task Members_that_may_be_null_are_not_required()
    {
        // The service leaves nulls out of its JSON, so a nullable member may be absent.
        var memory = (await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("MemoryDto");
        var required = memory.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("id", required);
        Assert.Contains("text", required);
        Assert.DoesNotContain("stateReason", required);
        Assert.DoesNotContain("validFrom", required);
    }

    [Fact]
    public async Task Adds_document_the_404_for_a_cube_the_caller_may_not_read()
    {
        // A key bound to a user that adds to a cube it may not read is answered as for an unknown cube (BoundKeyTests):
        // a client generated from the document had no type for that answer.
        var paths = (await DocumentAsync()).GetProperty("paths");
        foreach (string path in new[] { "/v1/memories", "/v1/memories/batch" })
        {
            var responses = paths.GetProperty(path).GetProperty("post").GetProperty("responses");
            Assert.True(responses.TryGetProperty("404", out var notFound), $"post {path}: no 404");
            Assert.Equal("#/components/schemas/ProblemDetails", notFound.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
        }
    }

    [Fact]
    public async Task Writes_document_507_and_erasures_the_committed_500()
    {
        // The service answered both (ProblemMapping: StorageFullException, ErasureFilesLeftException) but the document listed
        // neither, so a generated client had no type for them and a caller could not learn that this 500 must not be retried.
        var v1 = Operations(await DocumentAsync()).Where(o => o.Path.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        string[] reads = ["/v1/search", "/v1/context"]; // POSTs that only read: a recall they record is skipped on a full disk
        var writes = v1.Where(o => o.Method != "get" && !reads.Contains(o.Path)).ToList();
        Assert.True(writes.Count >= 12, $"only {writes.Count} writes");
        foreach (var (path, method, operation) in writes)
        {
            Assert.True(operation.GetProperty("responses").TryGetProperty("507", out var full), $"{method} {path}: no 507");
            Assert.Equal("#/components/schemas/ProblemDetails", full.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
            Assert.Contains("full", full.GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        string[] erasures = ["DeleteMemory", "DeleteCube", "ForgetUser"];
        foreach (var (path, method, operation) in v1)
        {
            bool erases = erasures.Contains(operation.GetProperty("operationId").GetString());
            bool declared = operation.GetProperty("responses").TryGetProperty("500", out var committed);
            Assert.True(erases == declared, $"{method} {path}: 500 declared {declared}");
            if (declared)
            {
                Assert.Contains("do not retry", committed.GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_forgotten_users_file_count_includes_lora_adapters()
    {
        // The count is of every payload file deleted: LoRA adapters of parametric memories too, not only cartridges.
        var cartridges = (await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("UserForgottenDto").GetProperty("properties").GetProperty("cartridges");
        string description = cartridges.GetProperty("description").GetString()!;
        Assert.Contains("LoRA adapter", description, StringComparison.Ordinal);
        Assert.Contains("parametric", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_operations_document_the_configured_item_limit()
    {
        // The descriptions said "at most 1,000 items" whatever ServerOptions.MaxBatchItems was set to.
        var operations = Operations(await DocumentAsync(options => options.MaxBatchItems = 100)).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation.GetProperty("description").GetString()!);
        foreach (string id in new[] { "AddMemories", "UpdateMemories", "SetMemoryStates" })
        {
            Assert.Contains("at most 100 items", operations[id], StringComparison.Ordinal);
            Assert.DoesNotContain("1,000", operations[id], StringComparison.Ordinal);
        }

        var defaults = Operations(await DocumentAsync()).Single(o => o.Operation.GetProperty("operationId").GetString() == "AddMemories").Operation;
        Assert.Contains("at most 1,000 items", defaults.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Memory_ids_in_request_examples_are_ones_the_api_accepts()
    {
        // The batch examples carried UUIDs, which the API refuses (400): a memory id is a 26-character ULID.
        var ids = new List<(string Where, string Id)>();
        foreach (var (path, method, operation) in Operations(await DocumentAsync()))
        {
            if (operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out var example))
            {
                CollectIds($"{method} {path}", example, ids);
            }
        }

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.True(AgentMem.MemoryCore.Identity.MemoryId.TryParse(id.Id, out _), $"{id.Where}: '{id.Id}' is not a memory id"));
    }

    [Fact]
    public async Task Request_bodies_are_documented_closed_and_answers_open()
    {
        // The service refuses a body member its contract does not have (400), so the document says so for every request
        // schema and a generated client may check before it sends. Answers stay open: a later service may add members, and
        // problem details carry extensions (traceId).
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var requests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, _, operation) in Operations(document))
        {
            if (operation.TryGetProperty("requestBody", out var body))
            {
                CollectSchemas(schemas, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"), requests);
            }
        }

        Assert.Superset(new HashSet<string>(["AddMemoryRequest", "NewMemory", "UpdateMemoryRequest", "MemoryEdit", "SetPolicyRequest", "CubeGrantDto", "StateEdit"], StringComparer.Ordinal), requests);
        foreach (string name in requests.Where(n => schemas.GetProperty(n).TryGetProperty("properties", out _)))
        {
            Assert.True(schemas.GetProperty(name).TryGetProperty("additionalProperties", out var more) && more.ValueKind == JsonValueKind.False, $"{name}: not closed");
        }

        foreach (string answer in new[] { "MemoryDto", "SearchResponse", "CubeDto", "ProblemDetails" })
        {
            Assert.DoesNotContain(answer, requests);
            Assert.False(schemas.GetProperty(answer).TryGetProperty("additionalProperties", out var more) && more.ValueKind == JsonValueKind.False, $"{answer}: closed");
        }
    }

    [Fact]
    public async Task Request_examples_hold_only_members_of_their_schema()
    {
        // The service refuses any other member, so an example holding one would be refused as it stands.
        var document = await DocumentAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        int checkedMembers = 0;
        foreach (var (path, method, operation) in Operations(document))
        {
            if (operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").GetProperty("application/json") is var json && json.TryGetProperty("example", out var example))
            {
                checkedMembers += CheckMembers($"{method} {path}", schemas, json.GetProperty("schema"), example);
            }
        }

        Assert.True(checkedMembers > 20, $"only {checkedMembers} members checked");
    }

    // The schema a reference names, and those its members name in turn.
    private static void CollectSchemas(JsonElement schemas, JsonElement schema, HashSet<string> names)
    {
        if (schema.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in schema.EnumerateObject())
            {
                if (property.Name == "$ref" && property.Value.GetString()!.Split('/')[^1] is var name && names.Add(name))
                {
                    CollectSchemas(schemas, schemas.GetProperty(name), names);
                }
                else
                {
                    CollectSchemas(schemas, property.Value, names);
                }
            }
        }
        else if (schema.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in schema.EnumerateArray())
            {
                CollectSchemas(schemas, item, names);
            }
        }
    }

    private static int CheckMembers(string where, JsonElement schemas, JsonElement schema, JsonElement value)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        int count = 0;
        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            foreach (var member in value.EnumerateObject())
            {
                Assert.True(properties.TryGetProperty(member.Name, out var memberSchema), $"{where}: the example's '{member.Name}' is no member of its schema");
                count += 1 + CheckMembers(where, schemas, memberSchema, member.Value);
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            count += value.EnumerateArray().Sum(item => CheckMembers(where, schemas, items, item));
        }

        return count;
    }

    private static void CollectIds(string where, JsonElement element, List<(string Where, string Id)> ids)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                CollectIds(where, item, ids);
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "id" or "ids" && property.Value.ValueKind is JsonValueKind.String)
                {
                    ids.Add((where, property.Value.GetString()!));
                }
                else if (property.Name is "ids" && property.Value.ValueKind is JsonValueKind.Array)
                {
                    ids.AddRange(property.Value.EnumerateArray().Select(v => (where, v.GetString() ?? string.Empty)));
                }
                else
                {
                    CollectIds(where, property.Value, ids);
                }
            }
        }
    }
}
