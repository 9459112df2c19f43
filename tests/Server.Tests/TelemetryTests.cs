using System.Diagnostics;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Telemetry;
using AgentMem.Retrieval;
using AgentMem.Retrieval.Telemetry;
using AgentMem.Stores.InMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentMem.Server.Tests;

/// <summary>Spans and metrics must not mix with other tests' measurements: this collection runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry";
}

/// <summary>The libraries' spans and metrics, as OpenTelemetry's in-memory exporter sees them, and the service's /metrics.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    private static readonly Scope Actor = new("telemetry-tenant", "ann", "agent-1");

    [Fact]
    public async Task Add_and_search_produce_spans_and_metrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(MemoryCoreTelemetry.Name, RetrievalTelemetry.Name)
            .AddInMemoryExporter(spans)
            .Build();
        using var meter = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MemoryCoreTelemetry.Name, RetrievalTelemetry.Name)
            .AddInMemoryExporter(metrics)
            .Build();

        var store = new InMemoryMemoryStore();
        await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
        var cube = await memory.CreateCubeAsync(Actor, "notes");
        await memory.AddAsync(Actor, "notes", new MemoryDraft("The secret launch code is 1234 and lives in the blue binder."));
        await memory.AddAsync(Actor, "notes", new MemoryDraft("Lunch on Friday is at the noodle bar."));
        var hits = await memory.SearchAsync(Actor, "notes", "launch code binder", k: 5);
        Assert.NotEmpty(hits);

        tracer.ForceFlush();
        var adds = spans.Where(s => s.OperationName == "memory.add").ToList();
        Assert.Equal(2, adds.Count);
        Assert.All(adds, a =>
        {
            Assert.Equal(cube.Id, a.GetTagItem(MemoryCoreTelemetry.CubeTag));
            Assert.Equal(1, a.GetTagItem(MemoryCoreTelemetry.ResultCountTag));
            Assert.Equal("telemetry-tenant", a.GetTagItem(MemoryCoreTelemetry.TenantTag));
        });

        var search = Assert.Single(spans, s => s.OperationName == "memory.search");
        Assert.Equal(cube.Id, search.GetTagItem(MemoryCoreTelemetry.CubeTag));
        Assert.Equal(hits.Count, search.GetTagItem(MemoryCoreTelemetry.ResultCountTag));
        Assert.Equal(memory.DefaultRetrieverName, search.GetTagItem(MemoryCoreTelemetry.RetrieverTag));

        var retrieval = Assert.Single(spans, s => s.OperationName == "retrieval.search");
        Assert.Equal(search.SpanId, retrieval.ParentSpanId);
        Assert.Equal(2, retrieval.GetTagItem(RetrievalTelemetry.CandidateCountTag));
        Assert.Equal(hits.Count, retrieval.GetTagItem(RetrievalTelemetry.HitCountTag));

        // No tag carries the memory's or the query's text.
        Assert.All(spans, s => Assert.DoesNotContain(s.TagObjects, t => t.Value is string v && (v.Contains("launch", StringComparison.Ordinal) || v.Contains("noodle", StringComparison.Ordinal))));

        meter.ForceFlush();
        Assert.Equal(2, Sum(metrics, "agentmem.memories.added"));
        Assert.Equal(1, Sum(metrics, "agentmem.searches"));
        Assert.Equal(1, HistogramCount(metrics, "agentmem.retrieval.search.duration"));
        Assert.Equal(1, HistogramCount(metrics, "agentmem.retrieval.candidates"));
        Assert.Equal(2, HistogramCount(metrics, "agentmem.store.operation.duration", ("agentmem.store.operation", "Add")));
        Assert.Equal(0, Gauge(metrics, "agentmem.embedding.queue.depth"));
    }

    [Fact]
    public async Task Version_writes_produce_the_spans_and_store_operations_the_telemetry_doc_names()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(MemoryCoreTelemetry.Name).AddInMemoryExporter(spans).Build();
        using var meter = Sdk.CreateMeterProviderBuilder().AddMeter(MemoryCoreTelemetry.Name).AddInMemoryExporter(metrics).Build();

        var store = new InMemoryMemoryStore();
        await using var memory = new MemoryOS(store, DefaultRetrievers.Create(store));
        var cube = await memory.CreateCubeAsync(Actor, "notes");
        var id = (await memory.AddAsync(Actor, "notes", new MemoryDraft("Standup moved to ten."))).Id;
        await memory.UpdateAsync(Actor, id, new MemoryChange { Text = "Standup moved to half past ten." });
        await memory.SetStateAsync(Actor, id, LifecycleState.Archived);
        await memory.DeleteAsync(Actor, id);

        tracer.ForceFlush();
        foreach (string name in new[] { "memory.update", "memory.state", "memory.delete" })
        {
            var span = Assert.Single(spans, s => s.OperationName == name);
            Assert.Equal(id.ToString(), span.GetTagItem("agentmem.memory_id"));
            Assert.Equal(cube.Id, span.GetTagItem(MemoryCoreTelemetry.CubeTag));
        }

        // Each version write is one ReplaceMany on the store.
        meter.ForceFlush();
        Assert.Equal(3, HistogramCount(metrics, "agentmem.store.operation.duration", (MemoryCoreTelemetry.StoreOperationTag, "ReplaceMany")));

        // docs/telemetry.md lists every span seen, and names only store operations that are recorded.
        string doc = File.ReadAllText(RepoPaths.File("docs", "telemetry.md"));
        Assert.All(spans.Select(s => s.OperationName).Distinct(), name => Assert.Contains($"| `{name}`", doc, StringComparison.Ordinal));
        var operations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var point in Points(metrics, "agentmem.store.operation.duration"))
        {
            foreach (var t in point.Tags)
            {
                if (t.Key == MemoryCoreTelemetry.StoreOperationTag)
                {
                    operations.Add((string)t.Value!);
                }
            }
        }

        string row = doc.Split('\n').Single(l => l.Contains("`agentmem.store.operation.duration`", StringComparison.Ordinal) && l.StartsWith('|'));
        string examples = row[row.IndexOf("(`", StringComparison.Ordinal)..row.IndexOf('…', StringComparison.Ordinal)];
        var documented = System.Text.RegularExpressions.Regex.Matches(examples, "`([A-Za-z]+)`").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(documented);
        Assert.All(documented, op => Assert.Contains(op, operations));
    }

    [Fact]
    public async Task Metrics_endpoint_answers_when_enabled()
    {
        string folder = TestApp.NewFolder();
        var options = TestApp.Options(folder);
        options.PrometheusMetrics = true;
        await using var app = AgentMemServer.Build(options, b =>
        {
            b.WebHost.UseTestServer();
            b.Logging.ClearProviders();
        });
        await app.StartAsync();
        var client = app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestApp.KeyA);
        Assert.True((await client.PostAsync("/v1/cubes", System.Net.Http.Json.JsonContent.Create(new { name = "notes" }))).IsSuccessStatusCode);
        await TestApp.AddAsync(client, "Metrics are scraped every fifteen seconds.");

        using var anonymous = app.GetTestClient();
        var response = await anonymous.GetAsync("/metrics");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Contains("agentmem_memories_added", body, StringComparison.Ordinal);
        Assert.Contains("agentmem_store_operation_duration", body, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Metrics_endpoint_is_absent_by_default()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(null);
        var response = await client.GetAsync("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private static List<MetricPoint> Points(List<Metric> metrics, string name)
    {
        var metric = Assert.Single(metrics, m => m.Name == name);
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            points.Add(point);
        }

        return points;
    }

    private static long Sum(List<Metric> metrics, string name) => Points(metrics, name).Sum(p => p.GetSumLong());

    private static long Gauge(List<Metric> metrics, string name) => Points(metrics, name).Sum(p => p.GetGaugeLastValueLong());

    private static long HistogramCount(List<Metric> metrics, string name, (string Key, string Value)? tag = null) =>
        Points(metrics, name).Where(p => tag is null || HasTag(p, tag.Value.Key, tag.Value.Value)).Sum(p => p.GetHistogramCount());

    private static bool HasTag(MetricPoint point, string key, string value)
    {
        foreach (var t in point.Tags)
        {
            if (t.Key == key && Equals(t.Value, value))
            {
                return true;
            }
        }

        return false;
    }
}
