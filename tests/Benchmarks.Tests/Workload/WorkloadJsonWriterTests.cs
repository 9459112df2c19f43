using AgentMem.Benchmarks.Metrics;
using AgentMem.Benchmarks.Workload;

namespace AgentMem.Benchmarks.Tests.Workload;

public sealed class WorkloadJsonWriterTests
{
    // Pinned to the byte: key order, nesting, number forms, a missing cold probe as null and a missing drain left out.
    private const string Expected = """
        {
          "benchmark": "workload",
          "pid": 7,
          "rows": [
            {
              "engine": "sqlite",
              "size": 100,
              "memories": 99,
              "iterations": 10,
              "grow_ms": 12.5,
              "add_ms": {
                "p50": 4.5,
                "p95": 4.95,
                "p99": 4.99
              },
              "search_after_write_ms": {
                "p50": 2,
                "p95": 3.3499999999999996,
                "p99": 3.4699999999999998
              },
              "steady_search_ms": {
                "p50": 2,
                "p95": 3.3499999999999996,
                "p99": 3.4699999999999998
              },
              "after_write_to_steady": 1,
              "fresh_hit_misses": 1,
              "cold": {
                "pid": 42,
                "open_ms": 1.5,
                "first_search_ms": 2.25,
                "open_and_first_search_ms": 3.75,
                "child_wall_ms": 7.75,
                "hits": 3,
                "samples_open_and_first_search_ms": [
                  1,
                  2.5
                ]
              },
              "embedding_drain": {
                "after_last_write_ms": 1.5,
                "since_growth_start_ms": 2.5,
                "embedded": 10,
                "per_second": 4000
              },
              "resident_bytes_per_memory": {
                "gc_heap": 123.4,
                "working_set": 567.8
              }
            },
            {
              "engine": "mem",
              "size": 100,
              "memories": 99,
              "iterations": 10,
              "grow_ms": 12.5,
              "add_ms": {
                "p50": null,
                "p95": null,
                "p99": null
              },
              "search_after_write_ms": {
                "p50": null,
                "p95": null,
                "p99": null
              },
              "steady_search_ms": {
                "p50": 2,
                "p95": 3.3499999999999996,
                "p99": 3.4699999999999998
              },
              "after_write_to_steady": null,
              "fresh_hit_misses": 0,
              "cold": null,
              "resident_bytes_per_memory": {
                "gc_heap": 0.5,
                "working_set": 5
              }
            }
          ],
          "manifest": {
            "a": 1,
            "b": "x"
          }
        }

        """;

    [Fact]
    public void Writes_the_agreed_document_to_the_byte()
    {
        LatencySummary measured = LatencySummary.FromSamples([1, 2, 3.5], [4, 5]);
        LatencySummary empty = LatencySummary.FromSamples([], []);
        var rows = new List<WorkloadRow>
        {
            new("sqlite", 100, 99, 10, 12.5, measured, measured, 1, new ColdProbeResult(42, 1.5, 2.25, 3, 7.75), [1.0, 2.5], 123.4, 567.8)
            {
                Drain = new EmbeddingDrain(1.5, 2.5, 10),
            },
            new("mem", 100, 99, 10, 12.5, empty, measured, 0, null, [], 0.5, 5),
        };
        var result = new WorkloadResult(rows, 7, new Dictionary<string, object?> { ["a"] = 1, ["b"] = "x" });

        Assert.Equal(Expected, WorkloadJsonWriter.Render(result).ReplaceLineEndings("\n"));
    }
}
