namespace AgentMem.Benchmarks.Reporting;

/// <summary>
/// Writes a <see cref="BenchmarkResult"/> and run manifest as JSON with snake_case keys, cut-offs
/// as string keys (<c>"recall": {"1": 0.5, ...}</c>), numbers in invariant round-trip form and
/// undefined metrics as <c>null</c>.
/// </summary>
public static class JsonReportWriter
{
    /// <summary>Renders the report as a JSON string.</summary>
    /// <param name="result">Aggregated result.</param>
    /// <param name="manifest">
    /// Run facts (dataset hash, git commit, configuration...). Values may be null, strings, booleans,
    /// numbers, <see cref="JsonElement"/>s, or anything <see cref="JsonSerializer"/> can serialize.
    /// </param>
    /// <param name="baseline">Metrics of a baseline retriever from the same run, written under <c>baseline</c>.</param>
    /// <returns>The JSON document.</returns>
    public static string Render(BenchmarkResult result, IReadOnlyDictionary<string, object?>? manifest = null, BenchmarkResult? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ReportJson.Render(w => Write(w, result, manifest, baseline));
    }

    /// <summary>Writes the report to a file, creating its directory if needed.</summary>
    /// <param name="path">Output file.</param>
    /// <param name="result">Aggregated result.</param>
    /// <param name="manifest">Run facts, as for <see cref="Render"/>.</param>
    /// <param name="baseline">Metrics of a baseline retriever from the same run, written under <c>baseline</c>.</param>
    public static void Write(string path, BenchmarkResult result, IReadOnlyDictionary<string, object?>? manifest = null, BenchmarkResult? baseline = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFiles.WriteText(path, Render(result, manifest, baseline));
    }

    private static void Write(Utf8JsonWriter w, BenchmarkResult result, IReadOnlyDictionary<string, object?>? manifest, BenchmarkResult? baseline)
    {
        w.WriteStartObject();
        w.WriteString("dataset", result.Dataset);
        // "questions" is what the headline metrics average over: scored (with gold evidence), non-excluded.
        w.WriteNumber("questions", result.Overall.Scored);

        // What the session metrics average over: questions with gold sessions, which can outnumber those with gold turns.
        w.WriteNumber("session_scored", result.Overall.SessionScored);
        w.WriteNumber("questions_total", result.Questions);
        w.WriteNumber("headline_questions", result.Overall.Questions);
        w.WriteNumber("no_evidence", result.NoEvidence); // questions without gold turns; one with gold sessions alone is still in the session metrics
        w.WriteStartArray("ks");
        foreach (int k in result.Ks)
        {
            w.WriteNumberValue(k);
        }

        w.WriteEndArray();
        WriteMetrics(w, result.Overall);
        WriteQa(w, result.Overall.Qa);
        w.WriteNumber("qa_skipped", result.QaSkipped); // questions the endpoint could not answer: scored for retrieval only
        WriteQa(w, result.FullContextQa, "qa_full_context");
        w.WriteNumber("qa_full_context_skipped", result.FullContextQaSkipped);

        WriteGroups(w, "by_category", result.ByCategory);
        WriteGroups(w, "excluded", result.Excluded);
        if (baseline is not null)
        {
            w.WriteStartObject("baseline");
            w.WriteNumber("questions", baseline.Overall.Scored);
            w.WriteNumber("session_scored", baseline.Overall.SessionScored);
            WriteMetrics(w, baseline.Overall);
            WriteGroups(w, "by_category", baseline.ByCategory);
            ReportJson.Number(w, "search_p50_ms", baseline.Latency.SearchP50);
            w.WriteEndObject();
        }

        LatencySummary latency = result.Latency;
        w.WriteStartObject("latency_ms");
        ReportJson.Percentiles(w, "search_", latency.SearchP50, latency.SearchP95, latency.SearchP99);
        ReportJson.Percentiles(w, "ingest_", latency.IngestP50, latency.IngestP95, latency.IngestP99);
        ReportJson.Percentiles(w, "prepare_", latency.PrepareP50, latency.PrepareP95, latency.PrepareP99);
        w.WriteNumber("search_count", latency.SearchCount);
        w.WriteNumber("ingest_count", latency.IngestCount);
        w.WriteNumber("prepare_count", latency.PrepareCount); // cubes whose indexes were built before their questions
        w.WriteEndObject();
        ReportJson.Number(w, "ingest_items_per_s", latency.IngestItemsPerSecond);

        w.WriteStartObject("tokens");
        ReportJson.Number(w, "context_mean", result.Tokens.ContextMean);
        ReportJson.Number(w, "whole_memories_mean", result.Tokens.WholeMemoriesMean);
        ReportJson.Number(w, "full_context_mean", result.Tokens.FullContextMean);
        w.WriteEndObject();

        w.WritePropertyName("manifest");
        w.WriteStartObject();
        foreach ((string key, object? value) in manifest ?? new Dictionary<string, object?>())
        {
            w.WritePropertyName(key);
            Value(w, value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteGroups(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, MetricGroup> groups)
    {
        w.WriteStartObject(name);
        foreach ((string category, MetricGroup group) in groups)
        {
            w.WriteStartObject(category);
            w.WriteNumber("n", group.Questions);
            w.WriteNumber("scored", group.Scored);
            w.WriteNumber("session_scored", group.SessionScored);
            WriteMetrics(w, group);
            WriteQa(w, group.Qa);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteMetrics(Utf8JsonWriter w, MetricGroup group)
    {
        foreach (CutoffMetric metric in CutoffMetric.All)
        {
            PerK(w, metric.Key, metric.Of(group));
        }

        ReportJson.Number(w, "mrr", group.Mrr);
    }

    private static void WriteQa(Utf8JsonWriter w, QaSummary? qa, string name = "qa") =>
        ReportJson.ObjectOrNull(w, name, qa, static (w, qa) =>
        {
            w.WriteNumber("n", qa.Count);
            ReportJson.Number(w, "f1", qa.F1);
            ReportJson.Number(w, "bleu1", qa.Bleu1);
            ReportJson.Number(w, "judge", qa.Judge);
            w.WriteNumber("judge_unparsed", qa.JudgeUnparsed); // replies with neither CORRECT nor WRONG: not in "judge"
        });

    private static void PerK(Utf8JsonWriter w, string name, IReadOnlyDictionary<int, double?> values)
    {
        w.WriteStartObject(name);
        foreach ((int k, double? value) in values)
        {
            ReportJson.Number(w, k.ToString(CultureInfo.InvariantCulture), value);
        }

        w.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case double d:
                ReportJson.NumberValue(w, d);
                break;
            case float f:
                ReportJson.NumberValue(w, f);
                break;
            case JsonElement element:
                element.WriteTo(w);
                break;
            default:
                JsonSerializer.Serialize(w, value, value.GetType());
                break;
        }
    }
}
