namespace AgentMem.Benchmarks.Reporting;

/// <summary>Plain fixed-width summary of a result for terminals; no colour, so the CLI can add its own.</summary>
public static class TextSummary
{
    private const int NumberWidth = 8;

    /// <summary>
    /// Recall@k of <paramref name="with"/> minus <paramref name="without"/>, per category, for an ablation in one run
    /// (both results must come from the same questions).
    /// </summary>
    public static string FormatDifference(BenchmarkResult with, BenchmarkResult without, string withLabel, string withoutLabel)
    {
        ArgumentNullException.ThrowIfNull(with);
        ArgumentNullException.ThrowIfNull(without);
        var rows = new List<(string Label, MetricGroup With, MetricGroup? Without)> { ("overall", with.Overall, without.Overall) };
        rows.AddRange(with.ByCategory.Select(g => (g.Key, g.Value, without.ByCategory.GetValueOrDefault(g.Key))));
        int labelWidth = Math.Max("category".Length, rows.Max(r => r.Label.Length));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Difference: {withLabel} minus {withoutLabel}\n\n");
        text.Append("category".PadRight(labelWidth)).Append(Column("scored"));
        foreach (int k in with.Ks)
        {
            text.Append(Column(string.Create(CultureInfo.InvariantCulture, $"ΔR@{k}")));
        }

        text.Append(Column(string.Create(CultureInfo.InvariantCulture, $"ΔMRR@{with.Ks.Max()}"))).Append('\n');
        foreach (var (label, a, b) in rows)
        {
            text.Append(label.PadRight(labelWidth)).Append(Column(ReportFormat.Int(a.Scored)));
            foreach (int k in with.Ks)
            {
                text.Append(Column(Delta(a.Recall.GetValueOrDefault(k), b?.Recall.GetValueOrDefault(k))));
            }

            text.Append(Column(Delta(a.Mrr, b?.Mrr))).Append('\n');
        }

        return text.ToString();
    }

    private static string Delta(double? a, double? b) =>
        a is { } x && b is { } y ? (x - y).ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>Formats the summary: a recall@k table per category, then latency, tokens and QA lines (the full-context baseline's too).</summary>
    /// <param name="result">Aggregated result.</param>
    /// <param name="ingestShared">
    /// The result is a second retriever's over the run's own cubes (a baseline from the same run): its ingest line, which
    /// it has no figures of, says it shares the run's, rather than reading as an ingest of nothing.
    /// </param>
    /// <returns>Multi-line text ending in a newline.</returns>
    public static string Format(BenchmarkResult result, bool ingestShared = false)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = new List<(string Label, MetricGroup Group)> { ("overall", result.Overall) };
        rows.AddRange(result.ByCategory.Select(g => (g.Key, g.Value)));
        rows.AddRange(result.Excluded.Select(g => (g.Key + " (excluded)", g.Value)));
        int labelWidth = Math.Max("category".Length, rows.Max(r => r.Label.Length));

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Dataset {result.Dataset}: {result.Questions} questions, {result.Overall.Scored} scored, ");
        text.Append(CultureInfo.InvariantCulture, $"{result.NoEvidence} without gold turns, {result.Excluded.Values.Sum(g => g.Questions)} excluded\n\n");

        text.Append("category".PadRight(labelWidth)).Append(Column("scored"));
        foreach (int k in result.Ks)
        {
            text.Append(Column(string.Create(CultureInfo.InvariantCulture, $"R@{k}")));
        }

        text.Append(Column(string.Create(CultureInfo.InvariantCulture, $"MRR@{result.Ks.Max()}"))).Append('\n');
        foreach ((string label, MetricGroup group) in rows)
        {
            text.Append(label.PadRight(labelWidth)).Append(Column(ReportFormat.Int(group.Scored)));
            foreach (double? value in group.Recall.Values)
            {
                text.Append(Column(ReportFormat.Score(value)));
            }

            text.Append(Column(ReportFormat.Score(group.Mrr))).Append('\n');
        }

        if (result.Overall.SessionScored > 0)
        {
            // LongMemEval's own session metrics beside the mean: any (one gold session in the top k), all (every one), k
            // counting distinct sessions in rank order as its turn2session evaluation does.
            text.Append('\n').Append(string.Create(CultureInfo.InvariantCulture, $"sessions, {result.Overall.SessionScored} scored").PadRight(labelWidth + NumberWidth));
            foreach (int k in result.Ks)
            {
                text.Append(Column(string.Create(CultureInfo.InvariantCulture, $"@{k}")));
            }

            text.Append('\n');
            foreach (var (label, values) in new[] { ("recall (mean)", result.Overall.SessionRecall), ("recall_any", result.Overall.SessionRecallAny), ("recall_all", result.Overall.SessionRecallAll) })
            {
                text.Append(label.PadRight(labelWidth + NumberWidth));
                foreach (int k in result.Ks)
                {
                    text.Append(Column(ReportFormat.Score(values.GetValueOrDefault(k))));
                }

                text.Append('\n');
            }
        }

        LatencySummary latency = result.Latency;
        text.Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"search ms   p50 {ReportFormat.Millis(latency.SearchP50)}  p95 {ReportFormat.Millis(latency.SearchP95)}  p99 {ReportFormat.Millis(latency.SearchP99)}  (n={latency.SearchCount}{(latency.PrepareCount > 0 ? ", indexes built beforehand" : string.Empty)})\n");
        if (latency.PrepareCount > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"prepare ms  p50 {ReportFormat.Millis(latency.PrepareP50)}  p95 {ReportFormat.Millis(latency.PrepareP95)}  p99 {ReportFormat.Millis(latency.PrepareP99)}  (n={latency.PrepareCount} cubes: each one's index build before its questions)\n");
        }

        text.Append(ingestShared
            ? "ingest      shared with the run above\n"
            : string.Create(CultureInfo.InvariantCulture, $"ingest ms   p50 {ReportFormat.Millis(latency.IngestP50)}  p95 {ReportFormat.Millis(latency.IngestP95)}  p99 {ReportFormat.Millis(latency.IngestP99)}  (n={latency.IngestCount}, {ReportFormat.Millis(latency.IngestItemsPerSecond)} items/s)\n"));
        text.Append(CultureInfo.InvariantCulture, $"tokens      context {ReportFormat.Whole(result.Tokens.ContextMean)}  (whole memories {ReportFormat.Whole(result.Tokens.WholeMemoriesMean)})  full context {ReportFormat.Whole(result.Tokens.FullContextMean)}  (means)\n");
        // A question the endpoint could not answer is still scored for retrieval; the QA line says how many went unanswered.
        string qaSkipped = result.QaSkipped > 0 ? string.Create(CultureInfo.InvariantCulture, $"{result.QaSkipped} skipped: the reader or judge endpoint refused or timed out") : string.Empty;
        if (result.Overall.Qa is { } qa)
        {
            text.Append(CultureInfo.InvariantCulture, $"qa          F1 {ReportFormat.Score(qa.F1)}  BLEU-1 {ReportFormat.Score(qa.Bleu1)}  judge {ReportFormat.Score(qa.Judge)}  (n={qa.Count}{NoVerdict(qa)}{(qaSkipped.Length > 0 ? ", " + qaSkipped : string.Empty)})\n");
        }
        else if (qaSkipped.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"qa          n/a  ({qaSkipped})\n");
        }

        // The full-context baseline doubles the reader calls; its scores are what the retrieved context is measured against.
        string skipped = result.FullContextQaSkipped > 0 ? string.Create(CultureInfo.InvariantCulture, $"{result.FullContextQaSkipped} skipped: the endpoint refused the whole conversation or timed out") : string.Empty;
        if (result.FullContextQa is { } full)
        {
            text.Append(CultureInfo.InvariantCulture, $"qa full ctx F1 {ReportFormat.Score(full.F1)}  BLEU-1 {ReportFormat.Score(full.Bleu1)}  judge {ReportFormat.Score(full.Judge)}  (n={full.Count}{NoVerdict(full)}{(skipped.Length > 0 ? ", " + skipped : "; the whole conversation as context")})\n");
        }
        else if (skipped.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"qa full ctx n/a  ({skipped})\n");
        }

        return text.ToString();
    }

    private static string Column(string value) => value.PadLeft(NumberWidth);

    // A judge reply without a verdict is out of the judge mean, whose n it would otherwise seem to be part of.
    private static string NoVerdict(QaSummary qa) =>
        qa.JudgeUnparsed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {qa.JudgeUnparsed} judge repl{(qa.JudgeUnparsed == 1 ? "y" : "ies")} without a verdict, not in the judge mean") : string.Empty;
}
