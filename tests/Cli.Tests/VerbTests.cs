using System.CommandLine;
using System.Text.Json;

namespace AgentMem.Cli.Tests;

public sealed class VerbTests : IDisposable
{
    private readonly CliRunner cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("folder")]
    [InlineData("url")]
    [InlineData("postgres-down")]
    [InlineData("postgres-unknown-host")]
    [InlineData("device")]
    [InlineData("empty-tenant")]
    [InlineData("long-tenant")]
    [InlineData("empty-index-dir")]
    [InlineData("blank-cube")]
    public async Task Bad_global_options_exit_1_with_one_message_and_no_stack_trace(string kind)
    {
        string folder = Path.Combine(cli.Folder, "a-folder");
        Directory.CreateDirectory(folder);
        string[] args = kind switch
        {
            "folder" => ["--db", folder, "stats"],
            "url" => ["--db", "mysql://db.example/agentmem", "stats"],
            "postgres-down" => ["--db", "postgresql://agentmem@127.0.0.1:1/agentmem", "stats"], // nothing listens on port 1
            "postgres-unknown-host" => ["--db", "postgresql://host.invalid/db", "stats"], // .invalid never resolves (RFC 6761)
            "device" => ["--db", "/dev/null", "stats"],
            "empty-tenant" => ["--db", cli.DbPath, "--tenant", "", "stats"],
            "empty-index-dir" => ["--db", cli.DbPath, "--index-dir", "", "stats"],
            "blank-cube" => ["--db", cli.DbPath, "--cube", " ", "mcp"],
            _ => ["--db", cli.DbPath, "--tenant", new string('t', 5000), "stats"],
        };
        if (kind == "device" && !File.Exists("/dev/null"))
        {
            return; // not a Unix machine: there is no device file to point at
        }

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr, Output.TerminalKind.None);
        Assert.Equal(1, code);

        string err = stderr.ToString();
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists("mysql:")); // a URL is refused before anything is created, not taken for a relative path
        Assert.False(Directory.Exists("postgresql:")); // a postgresql:// URI is a server to connect to, never a local path
        Assert.Equal([folder], Directory.EnumerateFileSystemEntries(cli.Folder)); // nothing created, not even the database file
    }

    [Fact]
    public async Task A_refused_add_or_mem0_import_leaves_no_cube_behind()
    {
        // The --cube cube was created before the text was checked or the file read: each refusal left an empty cube.
        string broken = Path.Combine(cli.Folder, "broken.json");
        await File.WriteAllTextAsync(broken, "{not json");
        string[][] refused =
        [
            ["add", "   ", "--cube", "fresh"],
            ["add", "   ", "--note", "--cube", "fresh-note"],
            ["import", "mem0", Path.Combine(cli.Folder, "missing.json"), "--cube", "fresh2"],
            ["import", "mem0", broken, "--cube", "fresh3"],
        ];
        foreach (string[] args in refused)
        {
            var (code, _, err) = await cli.RunAsync(args);
            Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}: {err}");
        }

        var cubes = await cli.JsonAsync("cube", "list");
        Assert.Empty(cubes.GetProperty("cubes").EnumerateArray());
    }

    [Fact]
    public async Task List_and_get_show_an_event_start_on_the_clock_it_was_given_with()
    {
        // Shown in UTC, an evening of 7 May at -10:00 read as 8 May, while the context dated it 7 May.
        var (code, output, _) = await cli.RunAsync("add", "We went to the beach together", "--time", "2024-05-07T20:00-10:00");
        Assert.Equal(0, code);
        string id = output.Trim();

        var (_, list, _) = await cli.RunAsync("list");
        Assert.Contains("2024-05-07 20:00 -10:00", list, StringComparison.Ordinal);
        var (_, details, _) = await cli.RunAsync("get", id);
        Assert.Contains("2024-05-07 20:00 -10:00", details, StringComparison.Ordinal);
        Assert.DoesNotContain("2024-05-08", details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_search_get_update_history_and_purge_work_end_to_end()
    {
        var (code, output, _) = await cli.RunAsync("add", "Melanie signed up for a pottery class", "--tag", "hobby", "--time", "2023-07-03", "--source", "conversation:D4:2", "--actor", "Melanie", "--reason", "she said so");
        Assert.Equal(0, code);
        string id = output.Trim();
        Assert.Equal(26, id.Length);
        await cli.RunAsync("add", "Caroline went to a support group");

        var search = await cli.JsonAsync("search", "pottery class", "--k", "5");
        Assert.Equal("hybrid", search.GetProperty("retriever").GetString());
        var top = search.GetProperty("hits")[0];
        Assert.Equal(1, top.GetProperty("rank").GetInt32());
        Assert.Equal(id, top.GetProperty("memory").GetProperty("id").GetString());
        Assert.True(top.GetProperty("score").GetDouble() > 0);

        var got = await cli.JsonAsync("get", id);
        Assert.Equal("Melanie signed up for a pottery class", got.GetProperty("text").GetString());
        Assert.Equal("hobby", got.GetProperty("tags")[0].GetString());
        Assert.Equal("Melanie", got.GetProperty("provenance").GetProperty("actor").GetString());
        Assert.Equal("D4:2", got.GetProperty("provenance").GetProperty("sourceRef").GetString());
        Assert.Equal("she said so", got.GetProperty("stateReason").GetString());
        Assert.StartsWith("2023-07-03T00:00:00", got.GetProperty("validFrom").GetString(), StringComparison.Ordinal);

        Assert.Equal(0, (await cli.RunAsync("update", id, "Melanie finished her pottery class", "--reason", "course over")).Code);
        var history = await cli.JsonAsync("history", id);
        var versions = history.GetProperty("versions");
        Assert.Equal(2, versions.GetArrayLength());
        Assert.Equal("superseded", versions[0].GetProperty("state").GetString());
        Assert.Equal("course over", versions[0].GetProperty("stateReason").GetString());
        Assert.Equal("Melanie finished her pottery class", versions[1].GetProperty("text").GetString());
        var audit = (await cli.JsonAsync("audit", "--memory", id)).GetProperty("records");
        // A new text counts as a recall (the forgetting curve starts again), audited after the update.
        Assert.Equal([("add", "she said so"), ("update", "course over"), ("recall", "edit; strength 1 -> 1 after 0 d; recalls 1")], audit.EnumerateArray().Select(r => (r.GetProperty("action").GetString(), r.GetProperty("detail").GetString())));

        var purged = await cli.JsonAsync("delete", id, "--purge");
        Assert.True(purged.GetProperty("purged").GetBoolean());
        var (after, _, err) = await cli.RunAsync("get", id);
        Assert.Equal(1, after);
        Assert.Contains("No memory", err, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.JsonAsync("search", "pottery")).GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("hybrid")]
    [InlineData("bm25")]
    [InlineData("vector")]
    public async Task Every_search_mode_finds_the_memory_and_explains_its_score(string mode)
    {
        string id = (await cli.RunAsync("add", "Melanie signed up for a pottery class", "--session", "s1")).Out.Trim();
        await cli.RunAsync("add", "Caroline went to a support group", "--session", "s1");
        var search = await cli.JsonAsync("search", "pottery classes", "--mode", mode, "--explain");
        Assert.Equal(mode, search.GetProperty("retriever").GetString());
        var top = search.GetProperty("hits")[0];
        Assert.Equal(id, top.GetProperty("memory").GetProperty("id").GetString());
        Assert.True(top.GetProperty("components").EnumerateObject().Any());

        var (code, output, _) = await cli.RunAsync("search", "pottery", "--mode", mode, "--explain");
        Assert.Equal(0, code);
        Assert.Contains(mode == "bm25" ? "bm25" : "fused", output, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("search", "pottery", "--mode", "telepathy")).Code);
    }

    [Fact]
    public async Task Json_search_carries_score_components_only_with_explain_as_rest_does()
    {
        // --explain did nothing under --json: every hit carried its components, where REST leaves them out without `explain`.
        string id = (await cli.RunAsync("add", "Melanie signed up for a pottery class")).Out.Trim();
        var plain = (await cli.JsonAsync("search", "pottery")).GetProperty("hits")[0];
        Assert.Equal(id, plain.GetProperty("memory").GetProperty("id").GetString());
        Assert.False(plain.TryGetProperty("components", out _));

        var explained = (await cli.JsonAsync("search", "pottery", "--explain")).GetProperty("hits")[0];
        Assert.True(explained.GetProperty("components").EnumerateObject().Any());
    }

    [Theory]
    [InlineData("BM25", "bm25")]
    [InlineData("Hybrid", "hybrid")]
    public async Task A_search_names_the_retriever_that_ranked_as_it_spells_itself(string mode, string ranked)
    {
        // --mode matches ignoring case, and the JSON echoed the spelling given ("BM25"), as REST did.
        await cli.RunAsync("add", "Caroline went to a support group");
        var search = await cli.JsonAsync("search", "support", "--mode", mode);
        Assert.Equal(ranked, search.GetProperty("retriever").GetString());
        Assert.Equal(1, search.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Context_returns_the_whole_cube_when_it_fits_and_a_budgeted_selection_otherwise()
    {
        await cli.RunAsync("add", "Ann booked flights to Tokyo", "--session", "s1", "--actor", "Ann");
        await cli.RunAsync("add", "Ben fixed the kitchen sink", "--session", "s1", "--actor", "Ben");
        var whole = await cli.JsonAsync("context", "where is Ann flying", "--budget", "500");
        Assert.True(whole.GetProperty("complete").GetBoolean());
        Assert.Equal(2, whole.GetProperty("memories").GetInt32());
        var tight = await cli.JsonAsync("context", "where is Ann flying to Tokyo", "--budget", "30");
        Assert.False(tight.GetProperty("complete").GetBoolean());
        Assert.Contains("Tokyo", tight.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(tight.GetProperty("tokens").GetInt32() <= 30);
        Assert.Equal(1, (await cli.RunAsync("context", "x", "--budget", "0")).Code);
    }

    [Fact]
    public async Task A_local_onnx_model_folder_can_serve_the_vector_signal()
    {
        string model = Path.Combine(cli.Folder, "minilm");
        Retrieval.Embeddings.Onnx.OnnxSentenceEmbedder.ExportPackaged("minilm", model);
        await cli.RunAsync("add", "the cat sat on the mat");
        await cli.RunAsync("add", "stock markets fell sharply");
        var search = await cli.JsonAsync("--embedder", "onnx", "--embedder-model", model, "search", "a kitten resting on a rug", "--mode", "vector");
        Assert.Equal("vector", search.GetProperty("retriever").GetString());
        Assert.Contains("cat", search.GetProperty("hits")[0].GetProperty("memory").GetProperty("text").GetString(), StringComparison.Ordinal);
        var (code, _, err) = await cli.RunAsync("--embedder", "onnx", "--embedder-model", cli.Folder, "search", "cat");
        Assert.Equal(1, code);
        Assert.Contains("model.onnx", err, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("--embedder", "magic", "search", "cat")).Code);
        (code, _, err) = await cli.RunAsync("--embedder", "bert", "search", "cat");
        Assert.Equal(1, code);
        Assert.Contains("--embedder onnx", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_packaged_arctic_model_serves_the_vector_signal_offline()
    {
        await cli.RunAsync("add", "My dog Rex passed away last spring.");
        await cli.RunAsync("add", "The pasta recipe needs fresh basil and garlic.");
        var search = await cli.JsonAsync("--embedder", "arctic", "search", "When did the pet die?", "--mode", "vector", "--explain");
        var top = search.GetProperty("hits")[0];
        Assert.Equal("My dog Rex passed away last spring.", top.GetProperty("memory").GetProperty("text").GetString());
        Assert.True(top.GetProperty("components").GetProperty("vector").GetDouble() > search.GetProperty("hits")[1].GetProperty("components").GetProperty("vector").GetDouble());
    }

    [Fact]
    public async Task Stats_of_all_cubes_counts_the_memories_waiting_for_a_vector_only_in_cubes_the_user_can_read()
    {
        // The tenant's whole backlog was counted: bob saw how many memories alice's private cube holds, beside a memory
        // count that (rightly) left them out.
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "a", "--user", "alice")).Code);
        foreach (string text in new[] { "alice one", "alice two", "alice three" })
        {
            Assert.Equal(0, (await cli.RunAsync("add", text, "--cube", "a", "--user", "alice")).Code);
        }

        Assert.Equal(0, (await cli.RunAsync("cube", "create", "b", "--user", "bob")).Code);
        Assert.Equal(0, (await cli.RunAsync("add", "bob one", "--cube", "b", "--user", "bob")).Code);

        var result = await cli.JsonAsync("--user", "bob", "--embedder", "arctic", "stats", "--all-cubes");
        Assert.Equal(1, result.GetProperty("stats").GetProperty("byState").GetProperty("active").GetInt64());
        Assert.Equal(1, result.GetProperty("embeddings").GetProperty("waiting").GetInt64());
    }

    [Theory]
    [InlineData("ftp://host/v1")]
    [InlineData("localhost:11434/v1")] // parses as a URL of scheme "localhost"
    public async Task An_embedder_url_that_is_not_http_is_a_user_error(string url)
    {
        var (code, _, err) = await cli.RunAsync("--embedder", "http", "--embedder-url", url, "--embedder-model", "m", "search", "x");
        Assert.Equal(1, code);
        Assert.Contains("is not an http(s) URL for the embedding endpoint", err, StringComparison.Ordinal);
        Assert.DoesNotContain("please report", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("search", "q", "--k", "ten")]
    [InlineData("search", "q", "--nope")]
    [InlineData("list", "--cache-mb", "x")]
    public async Task A_bad_option_is_reported_as_json_when_json_is_asked_for(params string[] args)
    {
        // Parse errors never reached a verb: they came as text with the help, which a --json caller cannot read.
        var (code, output, err) = await cli.RunAsync([.. args, "--json"]);
        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        using var doc = System.Text.Json.JsonDocument.Parse(err);
        Assert.Equal("ParseError", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_cache_size_that_is_no_number_is_a_parse_error_not_a_crash()
    {
        // Its validator read the value and threw out of the parser.
        var (code, _, err) = await cli.RunAsync("list", "--cache-mb", "x");
        Assert.Equal(1, code);
        Assert.Contains("takes an integer", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_cut_at_its_limit_says_so()
    {
        foreach (string note in new[] { "one", "two", "three" })
        {
            Assert.Equal(0, (await cli.RunAsync("add", note)).Code);
        }

        var cut = await cli.JsonAsync("list", "--limit", "2");
        Assert.Equal((2, true), (cut.GetProperty("count").GetInt32(), cut.GetProperty("truncated").GetBoolean()));
        var whole = await cli.JsonAsync("list", "--limit", "3");
        Assert.Equal((3, false), (whole.GetProperty("count").GetInt32(), whole.GetProperty("truncated").GetBoolean()));
        var text = await cli.RunAsync("list", "--limit", "2");
        Assert.Contains("the first 2 memories", text.Err + text.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Soft_delete_list_and_stats_report_states()
    {
        string a = (await cli.RunAsync("add", "first note")).Out.Trim();
        await cli.RunAsync("add", "second note");
        var deleted = await cli.JsonAsync("delete", a, "--reason", "obsolete");
        Assert.Equal("deleted", deleted.GetProperty("state").GetString());

        Assert.Equal(1, (await cli.JsonAsync("list")).GetProperty("count").GetInt32());
        Assert.Equal(1, (await cli.JsonAsync("list", "--state", "deleted")).GetProperty("count").GetInt32());
        var stats = (await cli.JsonAsync("stats")).GetProperty("stats");
        Assert.Equal(1, stats.GetProperty("byState").GetProperty("active").GetInt64());
        Assert.Equal(1, stats.GetProperty("byState").GetProperty("deleted").GetInt64());
        Assert.Equal(1, stats.GetProperty("supersededVersions").GetInt64());
    }

    [Fact]
    public async Task A_text_starting_with_at_is_stored_as_given_not_read_as_a_response_file()
    {
        // System.CommandLine's default reads "@path" as a response file: "@maya ..." failed and "@file" became the file's text.
        string file = Path.Combine(cli.Folder, "args.rsp");
        await File.WriteAllTextAsync(file, "injected");
        foreach (string text in new[] { "@" + file, "@maya moved to Lisbon" })
        {
            string id = (await cli.JsonAsync("add", text)).GetProperty("id").GetString()!;
            Assert.Equal(text, (await cli.JsonAsync("get", id)).GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task Adding_the_same_text_twice_returns_the_same_id()
    {
        var first = await cli.JsonAsync("add", "Bob likes chess");
        var second = await cli.JsonAsync("add", "Bob likes chess");
        Assert.True(first.GetProperty("created").GetBoolean());
        Assert.False(second.GetProperty("created").GetBoolean());
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Adding_a_forgotten_text_again_brings_it_back()
    {
        // "already remembered" must be true of a memory search returns, not of an archived one.
        string id = (await cli.JsonAsync("add", "Bob is allergic to peanuts")).GetProperty("id").GetString()!;
        await cli.JsonAsync("state", id, "archived", "--reason", "faded");

        var again = await cli.JsonAsync("add", "Bob is allergic to peanuts");

        Assert.Equal((id, false), (again.GetProperty("id").GetString(), again.GetProperty("created").GetBoolean()));
        Assert.Equal("active", (await cli.JsonAsync("get", id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Tenants_are_separate_from_the_command_line_too()
    {
        string id = (await cli.RunAsync("--tenant", "acme", "add", "acme only fact")).Out.Trim();
        var (code, _, err) = await cli.RunAsync("--tenant", "globex", "get", id);
        Assert.Equal(1, code);
        Assert.Contains("No memory", err, StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("--tenant", "globex", "search", "fact")).Code); // no cube 'default' in globex
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_endpoint_timeout_is_one_error_line_and_exit_1_not_a_silent_exit(bool json)
    {
        // HttpClient and the endpoint clients report a timeout as TaskCanceledException while nobody cancelled.
        var (code, err) = await RunThrowingVerbAsync(
            new TaskCanceledException("The chat endpoint http://127.0.0.1:9/v1 did not answer within 120 s.", new TimeoutException()),
            json ? ["--json"] : []);

        Assert.Equal(Verb.UserError, code);
        Assert.Contains("did not answer within 120 s", err, StringComparison.Ordinal);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        if (json)
        {
            Assert.Equal("Timeout", JsonDocument.Parse(err).RootElement.GetProperty("error").GetProperty("type").GetString());
        }
        else
        {
            Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_internal_error_with_debug_exits_2_and_prints_the_stack_trace(bool json)
    {
        // With --debug the verb let the exception escape: System.CommandLine printed it as text and exited 1, the user-error code.
        var (code, err) = await RunThrowingVerbAsync(new InvalidOperationException("a bug"), json ? ["--debug", "--json"] : ["--debug"]);

        Assert.Equal(Verb.InternalError, code);
        if (json)
        {
            var error = JsonDocument.Parse(err).RootElement.GetProperty("error");
            Assert.Equal("InvalidOperationException", error.GetProperty("type").GetString());
            Assert.Contains("   at ", error.GetProperty("stack").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.StartsWith("error: Unexpected error: a bug", err, StringComparison.Ordinal);
            Assert.Contains("   at ", err, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("add", "   ")]
    [InlineData("get", "not-an-id")]
    [InlineData("add", "x", "--time", "yesterday-ish")]
    [InlineData("add", "x", "--time", "05/07/2023")] // read as 7 May by the invariant culture, meant as 5 July by many
    [InlineData("add", "x", "--source", "gossip")]
    [InlineData("add", "x", "--source", "tool,agent")] // Enum.TryParse: the OR of the two, a kind that does not exist
    [InlineData("list", "--state", "active,frozen")] // Enum.TryParse: the OR of the two (frozen)
    [InlineData("list", "--state", "2")]
    [InlineData("search", "anything", "--cube", "nope")]
    [InlineData("search", "anything", "--k", "0")]
    public async Task Bad_input_prints_an_error_and_exits_non_zero(params string[] args)
    {
        await cli.RunAsync("add", "seed so the default cube exists");
        var (code, output, err) = await cli.RunAsync(args);
        Assert.NotEqual(0, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // a message, not a stack trace
        Assert.True(output.Length == 0 || !output.Contains("error", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("search", "q", "--k", "ten", "Option '--k' takes an integer; 'ten' is not one.")]
    [InlineData("search", "q", "--k", "99999999999", "Option '--k' takes an integer from -2147483648 to 2147483647; '99999999999' is out of range.")]
    [InlineData("bench", "locomo", "x.json", "--limit", "1.5", "Option '--limit' takes an integer; '1.5' is not one.")]
    [InlineData("bench", "locomo", "x.json", "--vector-weight", "heavy", "Option '--vector-weight' takes a number; 'heavy' is not one.")]
    public async Task A_number_option_given_something_else_says_what_it_takes(params string[] argsThenMessage)
    {
        var (code, _, err) = await cli.RunAsync(argsThenMessage[..^1]);
        Assert.NotEqual(0, code);
        Assert.Contains(argsThenMessage[^1], err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal); // no CLR type names such as System.Nullable`1
    }

    [Fact]
    public async Task Number_options_left_out_keep_their_defaults()
    {
        var help = await cli.RunAsync("search", "--help");
        Assert.Contains("[default: 10]", help.Out, StringComparison.Ordinal);
        for (int i = 0; i < 11; i++)
        {
            await cli.RunAsync("add", $"otter fact number {i}");
        }

        var hits = await cli.JsonAsync("search", "otter fact"); // --k left out: its default, not 0
        Assert.Equal(10, hits.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Errors_are_json_with_json()
    {
        var (code, _, err) = await cli.RunAsync("get", "nope", "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(err);
        Assert.Equal("MemoryValidationException", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_file_that_is_not_an_agentmem_database_is_refused()
    {
        await File.WriteAllTextAsync(cli.DbPath, "just some text, definitely not SQLite, and long enough to have a header.............................................");
        var (code, _, err) = await cli.RunAsync("stats");
        Assert.Equal(1, code);
        Assert.Contains("not an AgentMem database", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cubes_can_be_created_listed_and_targeted()
    {
        Assert.Equal(0, (await cli.RunAsync("cube", "create", "work", "--description", "job stuff")).Code);
        Assert.Equal(1, (await cli.RunAsync("cube", "create", "work")).Code);
        await cli.RunAsync("--cube", "work", "add", "standup at 9:30");
        var cubes = (await cli.JsonAsync("cube", "list")).GetProperty("cubes");
        Assert.Contains(cubes.EnumerateArray(), c => c.GetProperty("name").GetString() == "work");
        Assert.Equal(1, (await cli.JsonAsync("--cube", "work", "search", "standup")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Freezing_from_the_command_line_blocks_updates()
    {
        string id = (await cli.RunAsync("add", "contract signed on May 2")).Out.Trim();
        Assert.Equal(0, (await cli.RunAsync("state", id, "frozen", "--reason", "legal hold")).Code);
        var (code, _, err) = await cli.RunAsync("update", id, "contract never signed");
        Assert.Equal(1, code);
        Assert.Contains("frozen", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Results_are_written_whole_on_one_line_when_standard_output_is_no_terminal()
    {
        // Redirected to a log, a pipe or $(...), results were wrapped at 80 columns: a path cut mid-name, a space left before
        // each break. Errors were already written unwrapped.
        string id = (await cli.RunAsync("add", "Maya moved to Lisbon in 2024")).Out.Trim();
        string file = Path.Combine(cli.Folder, "some", "rather", "long", "folder", "name", "for", "the", "exports", "cube-default-2026-03-01.jsonl");
        var export = await cli.RunAsync("export", "--out", file);
        Assert.True(export.Code == 0, export.Err);
        Assert.Equal($"Exported 1 memories (1 versions) of cube 'default' to {file}.", Assert.Single(export.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));

        var deleted = await cli.RunAsync("delete", id);
        Assert.Equal(0, deleted.Code);
        Assert.Equal($"Deleted {id} (soft: version 2 is a tombstone; use --purge to remove it for good).", Assert.Single(deleted.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>Runs a verb bound by <see cref="Verb.Bind"/> whose body throws <paramref name="error"/>, after the global <paramref name="flags"/>.</summary>
    private async Task<(int Code, string Err)> RunThrowingVerbAsync(Exception error, string[] flags)
    {
        var global = new GlobalOptions(Output.TerminalKind.None);
        var root = new RootCommand();
        global.AddTo(root);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var verb = new Command("verb");
        Verb.Bind(verb, global, stdout, stderr, (_, _, _) => throw error);
        root.Subcommands.Add(verb);
        int code = await root.Parse(["--db", cli.DbPath, .. flags, "verb"]).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stderr.ToString());
    }
}
