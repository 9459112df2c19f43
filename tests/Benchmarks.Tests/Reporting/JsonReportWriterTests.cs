using System.Globalization;
using System.Text.Json;
using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Reporting;

namespace AgentMem.Benchmarks.Tests.Reporting;

public class JsonReportWriterTests
{
    [Fact]
    public void Report_has_the_agreed_shape_and_values()
    {
        using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(SampleRun.Result(), SampleRun.Manifest()));
        JsonElement root = doc.RootElement;

        Assert.Equal("toy", root.GetProperty("dataset").GetString());
        Assert.Equal(2, root.GetProperty("questions").GetInt32());
        Assert.Equal(4, root.GetProperty("questions_total").GetInt32());
        Assert.Equal(3, root.GetProperty("headline_questions").GetInt32());
        Assert.Equal(1, root.GetProperty("no_evidence").GetInt32());
        Assert.Equal(0.25, root.GetProperty("recall").GetProperty("1").GetDouble());
        Assert.Equal(1.0, root.GetProperty("recall").GetProperty("3").GetDouble());
        Assert.Equal(["1", "3"], root.GetProperty("any_hit_recall").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.5, root.GetProperty("session_recall").GetProperty("1").GetDouble());
        Assert.True(root.GetProperty("ndcg").TryGetProperty("3", out _));
        Assert.Equal(0.75, root.GetProperty("mrr").GetDouble());

        JsonElement category2 = root.GetProperty("by_category").GetProperty("2");
        Assert.Equal(2, category2.GetProperty("n").GetInt32());
        Assert.Equal(0.0, category2.GetProperty("recall").GetProperty("1").GetDouble());
        JsonElement excluded = root.GetProperty("excluded").GetProperty("5");
        Assert.Equal(1, excluded.GetProperty("n").GetInt32());
        Assert.Equal(1.0, excluded.GetProperty("recall").GetProperty("1").GetDouble());

        JsonElement latency = root.GetProperty("latency_ms");
        foreach (string key in new[] { "search_p50", "search_p95", "search_p99", "ingest_p50", "ingest_p95", "ingest_p99" })
        {
            Assert.Equal(JsonValueKind.Number, latency.GetProperty(key).ValueKind);
        }

        Assert.Equal(38.5, latency.GetProperty("search_p95").GetDouble());
        Assert.Equal(5 / 0.03, root.GetProperty("ingest_items_per_s").GetDouble());
        Assert.Equal(250, root.GetProperty("tokens").GetProperty("context_mean").GetDouble());
        Assert.Equal(1000, root.GetProperty("tokens").GetProperty("full_context_mean").GetDouble());
        Assert.Equal(450, root.GetProperty("tokens").GetProperty("whole_memories_mean").GetDouble());
        Assert.Equal(0.75, root.GetProperty("qa").GetProperty("f1").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("qa").GetProperty("judge").ValueKind);

        JsonElement manifest = root.GetProperty("manifest");
        Assert.Equal("abc123", manifest.GetProperty("dataset_sha256").GetString());
        Assert.Equal(20, manifest.GetProperty("top_k").GetInt32());
        Assert.Equal(0.25, manifest.GetProperty("temperature").GetDouble());
        Assert.False(manifest.GetProperty("dry_run").GetBoolean());
        Assert.Equal(JsonValueKind.Null, manifest.GetProperty("missing").ValueKind);
        Assert.Equal("reader", manifest.GetProperty("models")[1].GetString());
    }

    [Fact]
    public void The_session_metrics_denominator_is_written_beside_the_turn_metrics_one()
    {
        // The session metrics average over the questions with gold sessions, which can outnumber those with gold turns (a
        // ConvoMem item whose message evidence matched no turn): "questions" gave the turn count, and nothing gave theirs.
        var accumulator = new EvaluationAccumulator("convomem", [1]);
        accumulator.Add(new QuestionResult("q1", "user", false, ["s1:0"], ["s1:0"], ["s1"], 1, 10, 100));
        accumulator.Add(new QuestionResult("q2", "user", false, ["s1:0"], [], ["s2"], 1, 10, 100));
        accumulator.Add(new QuestionResult("q3", "user", false, ["s3:0"], [], ["s3"], 1, 10, 100));
        var result = accumulator.Build();

        using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(result, baseline: result));
        JsonElement root = doc.RootElement;

        Assert.Equal(1, root.GetProperty("questions").GetInt32());
        Assert.Equal(3, root.GetProperty("session_scored").GetInt32());
        Assert.Equal(3, root.GetProperty("by_category").GetProperty("user").GetProperty("session_scored").GetInt32());
        Assert.Equal(3, root.GetProperty("baseline").GetProperty("session_scored").GetInt32());
        Assert.Equal(3, root.GetProperty("baseline").GetProperty("by_category").GetProperty("user").GetProperty("session_scored").GetInt32());
    }

    [Fact]
    public void Questions_the_endpoint_could_not_answer_are_counted_beside_the_qa_scores()
    {
        using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(SampleRun.Result() with { QaSkipped = 3 }));
        Assert.Equal(3, doc.RootElement.GetProperty("qa_skipped").GetInt32());
        Assert.Equal(0.75, doc.RootElement.GetProperty("qa").GetProperty("f1").GetDouble());
    }

    [Fact]
    public void Judge_replies_without_a_verdict_are_counted_in_each_qa_object()
    {
        var result = SampleRun.Result();
        using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(result with { Overall = result.Overall with { Qa = result.Overall.Qa! with { JudgeUnparsed = 2 } } }));
        Assert.Equal(2, doc.RootElement.GetProperty("qa").GetProperty("judge_unparsed").GetInt32());
    }

    [Fact]
    public void Numbers_round_trip_exactly_whatever_the_current_culture()
    {
        CultureInfo original = CultureInfo.CurrentCulture;
        try
        {
            // A comma decimal separator must not leak into the JSON.
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var acc = new EvaluationAccumulator("round", [1]);
            acc.Add(new QuestionResult("q", "c", false, ["a"], ["a", "b", "c"], ["s"], 1.0 / 3, 7, 9));
            BenchmarkResult result = acc.Build();

            using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(result));

            Assert.Equal(result.Overall.Recall[1], doc.RootElement.GetProperty("recall").GetProperty("1").GetDouble());
            Assert.Equal(1.0 / 3, doc.RootElement.GetProperty("latency_ms").GetProperty("search_p50").GetDouble());
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void Undefined_metrics_are_null_and_qa_is_null_without_scores()
    {
        using JsonDocument doc = JsonDocument.Parse(JsonReportWriter.Render(new EvaluationAccumulator("empty").Build()));
        JsonElement root = doc.RootElement;

        Assert.Equal(JsonValueKind.Null, root.GetProperty("recall").GetProperty("20").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("mrr").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("qa").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ingest_items_per_s").ValueKind);
        Assert.Empty(root.GetProperty("manifest").EnumerateObject());
    }

    [Fact]
    public void Write_creates_the_directory_and_file()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "out", "report.json");

        JsonReportWriter.Write(path, SampleRun.Result());

        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal("toy", doc.RootElement.GetProperty("dataset").GetString());
    }
}
