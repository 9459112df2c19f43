namespace AgentMem.Benchmarks.Reporting;

/// <summary>Writes a human-readable Markdown report: recall tables, latency, tokens, QA, the same run's baseline and the run manifest.</summary>
public static class MarkdownReportWriter
{
    /// <summary>Renders the report as Markdown.</summary>
    /// <param name="result">Aggregated result.</param>
    /// <param name="manifest">Run facts shown as a key/value table.</param>
    /// <param name="baseline">
    /// Metrics of a baseline from the same run (a second retriever, or the ablation's run without memory features), as
    /// <see cref="JsonReportWriter"/> writes under <c>baseline</c>; named from the manifest's <c>ablation</c> or
    /// <c>baseline_retriever</c>.
    /// </param>
    /// <returns>The Markdown text.</returns>
    public static string Render(BenchmarkResult result, IReadOnlyDictionary<string, object?>? manifest = null, BenchmarkResult? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Benchmark report: {Cell(result.Dataset)}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{result.Questions} questions; {result.Overall.Scored} scored for retrieval, ");
        md.Append(CultureInfo.InvariantCulture, $"{result.NoEvidence} without gold turns, {result.Excluded.Values.Sum(g => g.Questions)} adversarial reported separately.\n\n");

        md.Append("## Evidence recall@k by category\n\n");
        RecallTable(md, result);

        foreach ((string category, MetricGroup group) in result.Excluded)
        {
            RecallRow(md, Cell(category) + " (excluded)", group);
        }

        md.Append("\n## Overall metrics by cut-off\n\n| k |");
        foreach (CutoffMetric metric in CutoffMetric.All)
        {
            md.Append(' ').Append(metric.Label).Append(" |");
        }

        md.Append("\n|---:|").Append(string.Concat(Enumerable.Repeat("---:|", CutoffMetric.All.Count))).Append('\n');
        foreach (int k in result.Ks)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {k} |");
            foreach (CutoffMetric metric in CutoffMetric.All)
            {
                md.Append(' ').Append(ReportFormat.Score(metric.Of(result.Overall)[k])).Append(" |");
            }

            md.Append('\n');
        }

        // Two denominators: a question can have gold sessions without gold turns (evidence that matched no turn).
        md.Append(CultureInfo.InvariantCulture, $"\nEvidence recall, any-hit recall and NDCG average over {Questions(result.Overall.Scored)} with gold turns; ");
        md.Append(CultureInfo.InvariantCulture, $"the session metrics over {Questions(result.Overall.SessionScored)} with gold sessions.\n");

        AnswerQuality(md, result);
        if (baseline is not null)
        {
            Baseline(md, baseline, manifest);
        }

        LatencySummary latency = result.Latency;
        md.Append("\n## Latency\n\n| Operation | n | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|\n");
        md.Append(CultureInfo.InvariantCulture, $"| search | {latency.SearchCount} | {ReportFormat.Millis(latency.SearchP50)} | {ReportFormat.Millis(latency.SearchP95)} | {ReportFormat.Millis(latency.SearchP99)} |\n");
        md.Append(CultureInfo.InvariantCulture, $"| ingest | {latency.IngestCount} | {ReportFormat.Millis(latency.IngestP50)} | {ReportFormat.Millis(latency.IngestP95)} | {ReportFormat.Millis(latency.IngestP99)} |\n");
        if (latency.PrepareCount > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"| prepare (index build, per cube) | {latency.PrepareCount} | {ReportFormat.Millis(latency.PrepareP50)} | {ReportFormat.Millis(latency.PrepareP95)} | {ReportFormat.Millis(latency.PrepareP99)} |\n");
        }

        md.Append('\n');
        md.Append(CultureInfo.InvariantCulture, $"Ingest throughput: {ReportFormat.Millis(latency.IngestItemsPerSecond)} items/s\n");

        md.Append("\n## Context tokens\n\n| Retrieved context, passages (mean) | Same memories whole (mean) | Full context (mean) |\n|---:|---:|---:|\n");
        md.Append(CultureInfo.InvariantCulture, $"| {ReportFormat.Whole(result.Tokens.ContextMean)} | {ReportFormat.Whole(result.Tokens.WholeMemoriesMean)} | {ReportFormat.Whole(result.Tokens.FullContextMean)} |\n");

        if (manifest is { Count: > 0 })
        {
            md.Append("\n## Manifest\n\n| Key | Value |\n|---|---|\n");
            foreach ((string key, object? value) in manifest)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {Cell(key)} | {Cell(ReportFormat.Value(value))} |\n");
            }
        }

        return md.ToString();
    }

    /// <summary>Writes the report to a file, creating its directory if needed.</summary>
    /// <param name="path">Output file.</param>
    /// <param name="result">Aggregated result.</param>
    /// <param name="manifest">Run facts shown as a key/value table.</param>
    /// <param name="baseline">Metrics of a baseline from the same run, as for <see cref="Render"/>.</param>
    public static void Write(string path, BenchmarkResult result, IReadOnlyDictionary<string, object?>? manifest = null, BenchmarkResult? baseline = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFiles.WriteText(path, Render(result, manifest, baseline));
    }

    private static void Baseline(StringBuilder md, BenchmarkResult baseline, IReadOnlyDictionary<string, object?>? manifest)
    {
        string? what = manifest?.GetValueOrDefault("ablation") is string ablation ? ablation
            : manifest?.GetValueOrDefault("baseline_retriever") is string retriever ? "baseline = retriever " + retriever
            : null;
        md.Append("\n## Baseline from the same run\n\n");
        if (what is not null)
        {
            md.Append(CultureInfo.InvariantCulture, $"Same questions; {Cell(what)}.\n\n");
        }

        RecallTable(md, baseline);
    }

    /// <summary>The evidence recall table: header, the overall row and one row per category.</summary>
    private static void RecallTable(StringBuilder md, BenchmarkResult result)
    {
        md.Append("| Category | n | scored |");
        foreach (int k in result.Ks)
        {
            md.Append(CultureInfo.InvariantCulture, $" R@{k} |");
        }

        md.Append(CultureInfo.InvariantCulture, $" MRR@{result.Ks.Max()} |\n|---|---:|---:|");
        md.Append(string.Concat(Enumerable.Repeat("---:|", result.Ks.Count)));
        md.Append("---:|\n");
        RecallRow(md, "**overall**", result.Overall);
        foreach ((string category, MetricGroup group) in result.ByCategory)
        {
            RecallRow(md, Cell(category), group);
        }
    }

    private static void RecallRow(StringBuilder md, string label, MetricGroup group)
    {
        md.Append(CultureInfo.InvariantCulture, $"| {label} | {group.Questions} | {group.Scored} |");
        foreach (double? value in group.Recall.Values)
        {
            md.Append(' ').Append(ReportFormat.Score(value)).Append(" |");
        }

        md.Append(' ').Append(ReportFormat.Score(group.Mrr)).Append(" |\n");
    }

    private static void AnswerQuality(StringBuilder md, BenchmarkResult result)
    {
        var rows = new List<(string Label, QaSummary Qa)>();
        if (result.Overall.Qa is { } overall)
        {
            rows.Add(("**overall**", overall));
        }

        rows.AddRange(result.ByCategory.Where(g => g.Value.Qa is not null).Select(g => (Cell(g.Key), g.Value.Qa!)));
        rows.AddRange(result.Excluded.Where(g => g.Value.Qa is not null).Select(g => (Cell(g.Key) + " (excluded)", g.Value.Qa!)));

        // The run paid for the full-context answers (twice the reader calls): they are the figure the rows above compare to.
        if (result.FullContextQa is { } full)
        {
            rows.Add(("full context (whole conversation)", full));
        }

        if (rows.Count == 0 && result.FullContextQaSkipped == 0 && result.QaSkipped == 0)
        {
            return;
        }

        // "No verdict": judge replies with neither CORRECT nor WRONG (empty, cut off), left out of the judge mean.
        md.Append("\n## Answer quality\n\n| Category | n | F1 | BLEU-1 | Judge | No verdict |\n|---|---:|---:|---:|---:|---:|\n");
        foreach ((string label, QaSummary qa) in rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {label} | {qa.Count} | {ReportFormat.Score(qa.F1)} | {ReportFormat.Score(qa.Bleu1)} | {ReportFormat.Score(qa.Judge)} | {qa.JudgeUnparsed} |\n");
        }

        if (result.QaSkipped > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\nRetrieved memories: {result.QaSkipped} question{(result.QaSkipped == 1 ? string.Empty : "s")} skipped (the reader or judge endpoint refused the request or timed out); still scored for retrieval.\n");
        }

        if (result.FullContextQaSkipped > 0)
        {
            md.Append(CultureInfo.InvariantCulture, $"\nFull context: {result.FullContextQaSkipped} question{(result.FullContextQaSkipped == 1 ? string.Empty : "s")} skipped (the endpoint refused the whole conversation or timed out).\n");
        }
    }

    private static string Questions(int n) => string.Create(CultureInfo.InvariantCulture, $"{n} question{(n == 1 ? string.Empty : "s")}");

    /// <summary>Makes text safe inside a table cell.</summary>
    private static string Cell(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("|", "\\|", StringComparison.Ordinal)
            .Replace("\r", " ", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal);
}
