using AgentMem.Benchmarks.Reporting;

namespace AgentMem.Benchmarks.Workload;

/// <summary>
/// Writes a <see cref="WorkloadResult"/> as JSON with snake_case keys, latencies in milliseconds and undefined values as
/// <c>null</c>, in the layout of the other benchmark reports (a <c>manifest</c> object last).
/// </summary>
public static class WorkloadJsonWriter
{
    /// <summary>Renders the result as a JSON string.</summary>
    /// <param name="result">The run's result.</param>
    /// <returns>The JSON document, ending in a newline.</returns>
    public static string Render(WorkloadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return ReportJson.Render(w => Write(w, result));
    }

    /// <summary>Writes the result to a file, creating its directory if needed.</summary>
    /// <param name="path">Output file.</param>
    /// <param name="result">The run's result.</param>
    public static void Write(string path, WorkloadResult result)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFiles.WriteText(path, Render(result));
    }

    private static void Write(Utf8JsonWriter w, WorkloadResult result)
    {
        w.WriteStartObject();
        w.WriteString("benchmark", "workload");
        w.WriteNumber("pid", result.ProcessId);
        w.WriteStartArray("rows");
        foreach (var row in result.Rows)
        {
            WriteRow(w, row);
        }

        w.WriteEndArray();
        w.WritePropertyName("manifest");
        JsonSerializer.Serialize(w, result.Manifest);
        w.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter w, WorkloadRow row)
    {
        w.WriteStartObject();
        w.WriteString("engine", row.Engine);
        w.WriteNumber("size", row.Size);
        w.WriteNumber("memories", row.Memories);
        w.WriteNumber("iterations", row.Iterations);
        w.WriteNumber("grow_ms", row.GrowMs);
        Percentiles(w, "add_ms", row.AfterWrite.IngestP50, row.AfterWrite.IngestP95, row.AfterWrite.IngestP99);
        Percentiles(w, "search_after_write_ms", row.AfterWrite.SearchP50, row.AfterWrite.SearchP95, row.AfterWrite.SearchP99);
        Percentiles(w, "steady_search_ms", row.Steady.SearchP50, row.Steady.SearchP95, row.Steady.SearchP99);
        ReportJson.Number(w, "after_write_to_steady", row.AfterWriteToSteady);
        w.WriteNumber("fresh_hit_misses", row.FreshHitMisses);
        ReportJson.ObjectOrNull(w, "cold", row.Cold, (w, cold) => WriteCold(w, cold, row.ColdSamplesMs));
        if (row.Drain is { } drain)
        {
            w.WriteStartObject("embedding_drain");
            w.WriteNumber("after_last_write_ms", drain.AfterLastWriteMs);
            w.WriteNumber("since_growth_start_ms", drain.SinceGrowthStartMs);
            w.WriteNumber("embedded", drain.Embedded);
            w.WriteNumber("per_second", drain.PerSecond);
            w.WriteEndObject();
        }

        w.WriteStartObject("resident_bytes_per_memory");
        w.WriteNumber("gc_heap", row.HeapBytesPerMemory);
        w.WriteNumber("working_set", row.WorkingSetBytesPerMemory);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteCold(Utf8JsonWriter w, ColdProbeResult cold, IReadOnlyList<double> samplesMs)
    {
        w.WriteNumber("pid", cold.ProcessId);
        w.WriteNumber("open_ms", cold.OpenMs);
        w.WriteNumber("first_search_ms", cold.FirstSearchMs);
        w.WriteNumber("open_and_first_search_ms", cold.OpenAndFirstSearchMs);
        w.WriteNumber("child_wall_ms", cold.WallMs);
        w.WriteNumber("hits", cold.Hits);
        w.WriteStartArray("samples_open_and_first_search_ms");
        foreach (double sample in samplesMs)
        {
            w.WriteNumberValue(sample);
        }

        w.WriteEndArray();
    }

    private static void Percentiles(Utf8JsonWriter w, string name, double? p50, double? p95, double? p99)
    {
        w.WriteStartObject(name);
        ReportJson.Percentiles(w, "", p50, p95, p99);
        w.WriteEndObject();
    }
}
