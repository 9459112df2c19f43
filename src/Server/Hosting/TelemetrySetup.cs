using AgentMem.MemoryCore.Telemetry;
using AgentMem.Retrieval.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Exports the libraries' traces and metrics when the service is told to: over OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set (the exporter reads it, and the other <c>OTEL_*</c> variables, itself),
/// and as a Prometheus scraping endpoint at <c>/metrics</c> when <see cref="ServerOptions.PrometheusMetrics"/> is on.
/// Otherwise nothing is registered and the instruments stay without listeners.
/// </summary>
internal static class TelemetrySetup
{
    /// <summary>The standard variable naming the OTLP collector.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The service name reported to collectors unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "agentmem";

    /// <summary>Registers OpenTelemetry on the builder when an exporter is configured.</summary>
    public static void AddAgentMemTelemetry(this WebApplicationBuilder builder, ServerOptions options)
    {
        bool otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
        bool prometheus = options.PrometheusMetrics;
        if (!otlp && !prometheus)
        {
            return;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(MemoryCoreTelemetry.Name, RetrievalTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel");
            if (otlp)
            {
                metrics.AddOtlpExporter();
            }

            if (prometheus)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(MemoryCoreTelemetry.Name, RetrievalTelemetry.Name, "Microsoft.AspNetCore")
                .AddOtlpExporter());
        }
    }

    /// <summary>Maps <c>/metrics</c> when the Prometheus endpoint is on (it needs no API key, like <c>/health</c>).</summary>
    public static void MapAgentMemMetrics(this WebApplication app, ServerOptions options)
    {
        if (options.PrometheusMetrics)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }
    }
}
