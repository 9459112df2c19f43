using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace AgentMem.Server.Tests;

public sealed class BadInputTests
{
    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await TestApp.ReadJsonAsync(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
    }

    [Fact]
    public async Task Missing_or_wrong_key_is_401()
    {
        await using var app = await TestApp.StartAsync();
        using var none = app.Client(key: null);
        var missing = await none.PostAsJsonAsync("/v1/memories", new { text = "x" });
        await AssertProblemAsync(missing, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        using var wrong = app.Client("am_not_a_key");
        await AssertProblemAsync(await wrong.GetAsync("/v1/cubes"), HttpStatusCode.Unauthorized);

        // A key's hash is not a key.
        using var hash = app.Client(Auth.ApiKeyHasher.Hash(TestApp.KeyA));
        await AssertProblemAsync(await hash.GetAsync("/v1/cubes"), HttpStatusCode.Unauthorized);

        // Malformed JSON without a key is still 401: auth comes before the body is read.
        using var body = new StringContent("{not json", Encoding.UTF8, "application/json");
        await AssertProblemAsync(await none.PostAsync("/v1/memories", body), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task X_Api_Key_header_works()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(key: null);
        client.DefaultRequestHeaders.Add("X-Api-Key", TestApp.KeyB);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/cubes")).StatusCode);
    }

    [Fact]
    public async Task A_missing_or_blank_query_is_refused_as_a_query_with_nothing_to_search_for()
    {
        // The refusal was the one for adding a memory ("there is nothing to remember"), which misled a caller who searched.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        foreach (string path in new[] { "/v1/search", "/v1/context" })
        {
            foreach (object body in new object[] { new { cube = "notes" }, new { cube = "notes", query = " \u200B " } })
            {
                var refused = await client.PostAsJsonAsync(path, body);
                await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
                string detail = (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString()!;
                Assert.StartsWith("The query is empty", detail, StringComparison.Ordinal);
                Assert.Contains("nothing to search for", detail, StringComparison.Ordinal);
                Assert.DoesNotContain("remember", detail, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Malformed_json_empty_text_bad_k_and_bad_ids_are_400()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        using var malformed = new StringContent("{\"text\": \"unterminated", Encoding.UTF8, "application/json");
        await AssertProblemAsync(await client.PostAsync("/v1/memories", malformed), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories", new { text = "  " }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { items = Array.Empty<object>() }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { items = new[] { new { text = "fine" }, new { text = "" } } }), HttpStatusCode.BadRequest);
        await TestApp.AddAsync(client, "something", cube: "default");
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/search", new { query = "something", k = 0 }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/search", new { query = "something", mode = "psychic" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/search", new { query = "" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/context", new { query = "x", budget = 1 }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/context", new { query = "x", budget = int.MaxValue }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/context", new { query = "x", mode = "bogus" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/context", new { query = "" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/memories/not-an-id"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/memories?limit=0"), HttpStatusCode.BadRequest);

        // The failed batch stored nothing (atomic).
        var list = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=default"));
        Assert.Equal(1, list.GetArrayLength());
    }

    [Fact]
    public async Task More_tags_or_keywords_than_a_memory_may_carry_are_400_naming_the_limit()
    {
        // Each memory's text is held to 4 MiB; its labels were not, so one request of two bytes of text stored 30,000 tags.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string[] many = [.. Enumerable.Range(0, 101).Select(i => $"tag{i}")];
        foreach (var body in new object[] { new { text = "hi", tags = many }, new { text = "hi", keywords = many } })
        {
            var response = await client.PostAsJsonAsync("/v1/memories", body);
            await AssertProblemAsync(response, HttpStatusCode.BadRequest);
            Assert.Contains("MaxLabels", (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        string id = await TestApp.AddAsync(client, "hi", cube: "default");
        await AssertProblemAsync(await client.PatchAsJsonAsync($"/v1/memories/{id}", new { tags = many }), HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/v1/memories/{id}", new { tags = many[..100] })).StatusCode);
    }

    [Fact]
    public async Task An_unknown_cube_is_404_without_advice_for_another_host()
    {
        // The core's answer told the HTTP client to run `agentmem cube create nope`.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        foreach (var response in new[] { await client.GetAsync("/v1/cubes/nope"), await client.PostAsJsonAsync("/v1/search", new { cube = "nope", query = "x" }) })
        {
            await AssertProblemAsync(response, HttpStatusCode.NotFound);
            string detail = (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString()!;
            Assert.StartsWith("No cube 'nope' in tenant ", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("agentmem", detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/v1/memories?cube=notes&limit=abc", "GET", "limit must be a whole number; got 'abc'.")]
    [InlineData("/v1/memories?cube=notes&limit=99999999999", "GET", "limit is out of range; got '99999999999'.")]
    [InlineData("/v1/memories/1?purge=yes", "DELETE", "purge must be true or false; got 'yes'.")]
    public async Task A_query_value_of_the_wrong_type_names_the_parameter_and_the_values_it_takes(string url, string method, string expected)
    {
        // The binder's own words named the handler's CLR type: "Failed to bind parameter \"Nullable<int> limit\" from \"abc\"."
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(expected, (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_long_query_value_of_the_wrong_type_is_not_echoed_whole()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        var response = await client.GetAsync("/v1/memories?cube=notes&limit=" + new string('x', 5000));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        string detail = (await TestApp.ReadJsonAsync(response)).GetProperty("detail").GetString()!;
        Assert.StartsWith("limit must be a whole number", detail, StringComparison.Ordinal);
        Assert.True(detail.Length < 200, detail);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(2_000_000)]
    public async Task A_context_budget_out_of_range_names_the_budget_field_and_its_range(int budget)
    {
        // The options' own message came through: "TokenBudget ('5') must be ... (Parameter 'TokenBudget')" and "Actual value was 5.".
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await TestApp.AddAsync(client, "something");

        var refused = await client.PostAsJsonAsync("/v1/context", new { cube = "notes", query = "x", budget });
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        string detail = (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString()!;
        Assert.StartsWith("budget ", detail, StringComparison.Ordinal);
        Assert.Contains("between 16 and 1000000", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("TokenBudget", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', detail);
    }

    [Fact]
    public async Task A_refused_add_leaves_no_cube_behind()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories", new { cube = "fresh", text = "x", importance = 2 }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories", new { cube = "fresh2", text = "x", tags = new[] { new string('t', 200) } }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories/batch", new { cube = "fresh3", items = new object[] { new { text = "fine" }, new { text = "" } } }), HttpStatusCode.BadRequest);

        var cubes = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes"));
        Assert.DoesNotContain(cubes.EnumerateArray(), c => c.GetProperty("name").GetString()!.StartsWith("fresh", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cube_name_or_tag_holding_a_nul_is_400_whatever_the_store()
    {
        // On PostgreSQL these were 500s (its text cannot hold a NUL); on SQLite a list answered 404 or an empty page.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        await TestApp.AddAsync(client, "Caroline went to a support group");

        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories", new { cube = "no\0tes", text = "x" }), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/memories?cube=no%00tes"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await client.GetAsync("/v1/audit?cube=no%00tes"), HttpStatusCode.BadRequest);
        var tagged = await client.GetAsync("/v1/memories?cube=notes&tag=ev%00ent");
        await AssertProblemAsync(tagged, HttpStatusCode.BadRequest);
        Assert.Contains("NUL", (await TestApp.ReadJsonAsync(tagged)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_enum_in_a_body_names_exactly_one_member()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "stays active", cube: "default");

        // A comma list was read as the members' bits OR-ed ("archived,superseded" is frozen); a number as itself.
        foreach (object state in new object[] { "archived,superseded", "active, frozen", 3, "3", "" })
        {
            var refused = await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state });
            await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
            Assert.Contains("active, archived, superseded, frozen, deleted", (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        foreach (object source in new object[] { "tool,agent", 42, true })
        {
            await AssertProblemAsync(await client.PostAsJsonAsync("/v1/memories", new { text = "from nowhere", source }), HttpStatusCode.BadRequest);
        }

        var memory = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal(("active", 1), (memory.GetProperty("state").GetString(), memory.GetProperty("version").GetInt32()));
        var listed = await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=default"));
        Assert.Equal(1, listed.GetArrayLength());

        // One member by name, in any case, is fine.
        var added = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/memories", new { text = "from a tool", source = "Tool" }));
        var fromTool = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{added.GetProperty("id").GetString()}"));
        Assert.Equal("tool", fromTool.GetProperty("source").GetString());
        var archived = await TestApp.ReadJsonAsync(await client.PutAsJsonAsync($"/v1/memories/{id}/state", new { state = "ARCHIVED" }));
        Assert.Equal("archived", archived.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_body_member_the_operation_does_not_take_is_400_naming_it()
    {
        // Unknown members were dropped: expected_version (a Python-style name) turned the 409 guard off and overwrote
        // another writer's change, a misspelt member answered 200 having changed nothing, eventTime stored no time.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "Ann works at Contoso", cube: "default");
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Ann works at Fabrikam" })).StatusCode);

        var refusals = new (Func<Task<HttpResponseMessage>> Call, string Member, string Path)[]
        {
            (() => client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Ann works at Initech", expected_version = 1 }), "expected_version", "$.expected_version"),
            (() => client.PatchAsJsonAsync($"/v1/memories/{id}", new { txt = "Ann works at Globex" }), "txt", "$.txt"),
            (() => client.PatchAsJsonAsync("/v1/memories", new { items = new object[] { new { id, text = "Ann works at Umbrella", expectedVersion2 = 2 } } }), "expectedVersion2", "$.items[0].expectedVersion2"),
            (() => client.PostAsJsonAsync("/v1/memories", new { text = "Ann moved to Oslo", eventTime = "2024-05-07" }), "eventTime", "$.eventTime"),
            (() => client.PostAsJsonAsync("/v1/memories/batch", new { items = new object[] { new { text = "fine" }, new { text = "Ann likes tea", links = Array.Empty<string>() } } }), "links", "$.items[1].links"),
            (() => client.PutAsJsonAsync("/v1/cubes/default/policy", new { retention_days = 30 }), "retention_days", "$.retention_days"),
            (() => client.PostAsJsonAsync("/v1/search", new { query = "Ann", top_k = 3 }), "top_k", "$.top_k"),
            // The tenant comes only from the key; the Server README promised a body's tenant was ignored.
            (() => client.PostAsJsonAsync("/v1/memories", new { text = "Ann moved to Rome", tenant = "other" }), "tenant", "$.tenant"),
        };
        foreach (var (call, member, path) in refusals)
        {
            var refused = await call();
            await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
            string detail = (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString()!;
            Assert.Equal($"The request body has a member '{member}' (at {path}) that this operation does not take; the members it takes are in /openapi/v1.json (camelCase).", detail);
        }

        // Nothing was written: the memory is still at the second writer's version, the policy unchanged, no memory added.
        var memory = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal(("Ann works at Fabrikam", 2), (memory.GetProperty("text").GetString(), memory.GetProperty("version").GetInt32()));
        Assert.Equal(0, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/cubes/default/policy"))).GetProperty("retentionDays").GetInt32());
        Assert.Equal(1, (await TestApp.ReadJsonAsync(await client.GetAsync("/v1/memories?cube=default"))).GetArrayLength());

        // The camelCase names still go through, in any case as before.
        var stale = await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "Ann works at Initech", expectedVersion = 1 });
        await AssertProblemAsync(stale, HttpStatusCode.Conflict);
        Assert.Equal(30, (await TestApp.ReadJsonAsync(await client.PutAsJsonAsync("/v1/cubes/default/policy", new { RetentionDays = 30 }))).GetProperty("retentionDays").GetInt32());
    }

    [Fact]
    public async Task Unknown_id_is_404_and_frozen_or_deleted_conflicts_are_409()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string unknown = AgentMem.MemoryCore.Identity.MemoryId.NewId().ToString();
        await AssertProblemAsync(await client.GetAsync($"/v1/memories/{unknown}"), HttpStatusCode.NotFound);

        string id = await TestApp.AddAsync(client, "to be deleted");
        await client.DeleteAsync($"/v1/memories/{id}");
        await AssertProblemAsync(await client.PatchAsJsonAsync($"/v1/memories/{id}", new { text = "revived" }), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Oversized_bodies_are_413()
    {
        await using var app = await TestApp.StartAsync(maxBody: 4096);
        using var client = app.Client();

        // Streamed (no Content-Length, as JSON content goes): refused once the limit is read, in the same words as a declared one.
        var big = await client.PostAsJsonAsync("/v1/memories", new { text = new string('a', 10_000) });
        await AssertProblemAsync(big, HttpStatusCode.RequestEntityTooLarge);
        var streamed = await TestApp.ReadJsonAsync(big);
        Assert.Equal("Request body too large", streamed.GetProperty("title").GetString());
        Assert.Equal("The request body is larger than the limit of 4096 bytes.", streamed.GetProperty("detail").GetString());

        // With a declared Content-Length the body is refused before it is read.
        using var declared = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"text\":\"" + new string('b', 10_000) + "\"}"));
        declared.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var refused = await client.PostAsync("/v1/memories", declared);
        await AssertProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        var problem = await TestApp.ReadJsonAsync(refused);
        Assert.Equal(streamed.GetProperty("title").GetString(), problem.GetProperty("title").GetString());
        Assert.Equal(streamed.GetProperty("detail").GetString(), problem.GetProperty("detail").GetString());

        // Nothing was written: not even the default cube was created.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/memories?cube=default")).StatusCode);
    }

    [Fact]
    public async Task An_empty_or_null_body_is_400_asking_for_the_json_body_the_route_takes()
    {
        // The framework's words came through: "Implicit body inferred for parameter "request" but no body was provided.
        // Did you mean to use a Service instead?", about the server's code, not the client's request.
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();
        string id = await TestApp.AddAsync(client, "stays as it is");
        var schemas = (await TestApp.ReadJsonAsync(await client.GetAsync("/openapi/v1.json"))).GetProperty("components").GetProperty("schemas");
        var routes = new (string Method, string Path, string Shape)[]
        {
            ("POST", "/v1/cubes", "CreateCubeRequest"),
            ("PUT", "/v1/cubes/notes/grants", "SetGrantsRequest"),
            ("PUT", "/v1/cubes/notes/policy", "SetPolicyRequest"),
            ("POST", "/v1/memories", "AddMemoryRequest"),
            ("POST", "/v1/memories/batch", "AddBatchRequest"),
            ("PATCH", $"/v1/memories/{id}", "UpdateMemoryRequest"),
            ("PATCH", "/v1/memories", "UpdateBatchRequest"),
            ("PUT", $"/v1/memories/{id}/state", "SetStateRequest"),
            ("PUT", "/v1/memories/states", "SetStatesRequest"),
            ("POST", "/v1/search", "SearchMemoriesRequest"),
            ("POST", "/v1/context", "ContextRequest"),
        };
        foreach (var (method, path, shape) in routes)
        {
            // "chunked": an empty body sent without a length (as a streaming client does) answered "Malformed JSON: The input
            // does not contain any JSON tokens", and so did a body of white space.
            foreach (string? body in new[] { null, "", "null", " null\n", " \r\n ", "chunked" })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (body is "chunked")
                {
                    request.Content = new UnknownLengthContent();
                    request.Content.Headers.ContentType = new("application/json");
                }
                else if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                }

                var refused = await client.SendAsync(request);
                await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
                string detail = (await TestApp.ReadJsonAsync(refused)).GetProperty("detail").GetString()!;
                Assert.Equal($"A JSON body is required: an object of the {shape} schema in /openapi/v1.json.", detail);
            }

            // The schema the answer names is the one the document has for the route.
            Assert.True(schemas.TryGetProperty(shape, out _), shape);
        }

        var memory = await TestApp.ReadJsonAsync(await client.GetAsync($"/v1/memories/{id}"));
        Assert.Equal(("stays as it is", 1), (memory.GetProperty("text").GetString(), memory.GetProperty("version").GetInt32()));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_naming_application_json()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        // The status-code page answered {"title":"Unsupported Media Type","status":415} and no more; a body without a type got
        // "Bad request" and the binder's "Expected a supported JSON media type but got """.
        using var text = new StringContent("{\"text\":\"plain\"}", Encoding.UTF8, "text/plain");
        using var untyped = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"text\":\"untyped\"}"));
        foreach (var content in new HttpContent[] { text, untyped })
        {
            var refused = await client.PostAsync("/v1/memories", content);
            await AssertProblemAsync(refused, HttpStatusCode.UnsupportedMediaType);
            var problem = await TestApp.ReadJsonAsync(refused);
            Assert.Equal("Unsupported media type", problem.GetProperty("title").GetString());
            Assert.Equal("The request body must be JSON: send it with Content-Type: application/json.", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/v1/memories?cube=default")).StatusCode);
    }

    [Fact]
    public async Task Content_over_the_memory_limit_is_413()
    {
        await using var app = await TestApp.StartAsync(maxBody: 16L * 1024 * 1024);
        using var client = app.Client();

        // Under the 16 MiB body limit but over MemoryOS's 4 MiB content limit.
        var big = await client.PostAsJsonAsync("/v1/memories", new { text = new string('a', (4 * 1024 * 1024) + 1) });
        await AssertProblemAsync(big, HttpStatusCode.RequestEntityTooLarge);
    }

    // A body with no declared length, as a streaming client sends it (chunked): here, an empty one.
    private sealed class UnknownLengthContent : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => Task.CompletedTask;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
