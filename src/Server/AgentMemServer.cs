using System.Text.Json;
using System.Text.Json.Serialization;
using AgentMem.Retrieval;
using AgentMem.Server.Endpoints;
using AgentMem.Server.Hosting;
using AgentMem.Server.Inspector;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace AgentMem.Server;

/// <summary>
/// Builds the AgentMem REST service: a thin ASP.NET Core minimal API over one shared <see cref="MemoryOS"/>.
/// The same application runs under Kestrel (<c>agentmem serve</c>) and under the ASP.NET test host.
/// </summary>
public static class AgentMemServer
{
    /// <summary>
    /// Builds the application. <paramref name="configure"/> runs last on the builder, e.g. to swap Kestrel
    /// for the test host (<c>builder.WebHost.UseTestServer()</c>) or to change logging.
    /// The <see cref="MemoryOS"/> is opened here, so a bad database fails now rather than on the first request;
    /// it is disposed when the application is disposed, after in-flight requests have drained.
    /// </summary>
    public static WebApplication Build(ServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = typeof(AgentMemServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        // Stopping waits this long for in-flight requests, so a write that has started is finished, not cut.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        // Binding failures (malformed JSON, wrong types) throw, so ErrorMiddleware answers them as problem details.
        builder.Services.Configure<RouteHandlerOptions>(route => route.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new StrictEnumJsonConverter());
            json.SerializerOptions.Converters.Add(new UtcDateTimeOffsetJsonConverter());
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

            // Request contracts (and only they) carry [JsonUnmappedMemberHandling(Disallow)]: a member a body's contract does
            // not have is refused with 400 naming it instead of dropped. Not set here for every type: the document would then
            // declare every answer closed too (additionalProperties: false), problem details with their traceId included.
        });
        // A streamed body over the limit and a body that is not JSON are answered by status alone: their problems get words here.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = problem => ProblemMapping.ExplainStatus(problem, options.MaxRequestBodyBytes));
        builder.Services.AddAgentMemOpenApi();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(services => Compose(options.Db, new SchemaUpgradeLog(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AgentMemServer)))));
        builder.Services.AddSingleton(services => services.GetRequiredService<ServerComposition>().Memory);
        builder.Services.AddSingleton<EmbeddingErrorReport>();
        builder.Services.AddSingleton(services => new ApiKeyTable(options, services.GetRequiredService<ILoggerFactory>().CreateLogger<ApiKeyTable>()));
        if (!options.RequireAuth)
        {
            builder.Services.AddHostedService<LoopbackOnlyGuard>();
        }

        // Per-request framework chatter is noise for a service whose errors already come back as problems.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.AddAgentMemTelemetry(options);
        configure?.Invoke(builder);
        if (!options.RequireAuth)
        {
            // Endpoints of Kestrel's configuration section replace the service's URLs: refused before anything listens.
            string? configured = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).FirstOrDefault(u => u is not null && !ServerOptions.IsLoopback(u));
            if (configured is not null)
            {
                throw new ArgumentException($"Refusing to serve without API keys on '{configured}' (a Kestrel endpoint in the configuration): without keys only loopback addresses are allowed.", nameof(options));
            }
        }

        var app = builder.Build();
        var keys = app.Services.GetRequiredService<ApiKeyTable>(); // the key file read now, before the database opens: a bad one fails here
        var composition = app.Services.GetRequiredService<ServerComposition>();
        _ = app.Services.GetRequiredService<MemoryOS>(); // opened now (a bad database fails here), and disposed with the application
        _ = options.TokenCounter; // loaded now, so the first /v1/context does not wait for the vocabulary

        // The tenants of the keys in force: a tenant whose key is added to the key file later is swept from then on.
        Func<IReadOnlyList<string>> tenants = options.RequireAuth ? () => keys.Tenants : () => [options.LocalTenant];
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AgentMemServer));
        if (options.ExpirySweepInterval > TimeSpan.Zero)
        {
            app.Lifetime.ApplicationStarted.Register(() => _ = ExpirySweep.RunAsync(composition.Memory, tenants, options.ExpirySweepInterval, log, app.Lifetime.ApplicationStopping));
        }

        if (composition.Embeddings is { } state)
        {
            // A failed batch is logged when it fails: /health, which logged it before, may never be asked.
            state.Options.EmbeddingFailures = app.Services.GetRequiredService<EmbeddingErrorReport>();
            // Work a previous run left (stopped or killed before every memory had its vector) resumes without waiting for a search.
            app.Lifetime.ApplicationStarted.Register(() => _ = EmbeddingQueue.ResumeAsync(state, tenants(), log, app.Lifetime.ApplicationStopping));
            if (state.Store is Stores.Postgres.PostgresMemoryStore shared)
            {
                // Other nodes write to the same database: their notices bring this node's indexes into step between searches.
                app.Lifetime.ApplicationStarted.Register(() => _ = ChangeWatcher.RunAsync(shared, state, log, app.Lifetime.ApplicationStopping));
                if (!shared.RowLevelSecurityEnforced)
                {
                    log.LogWarning("The PostgreSQL role of {Location} bypasses row-level security (a superuser or BYPASSRLS): tenant isolation rests on the service's queries alone. Connect as an ordinary role.", shared.Location);
                }
            }
        }

        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages();
        if (!options.RequireAuth)
        {
            app.UseMiddleware<LoopbackRequestGuard>();
        }

        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseMiddleware<OversizedBodyGuard>();
        app.UseMiddleware<EnumQueryCasing>();
        app.UseMiddleware<EncodedSlashRouteValues>();
        app.UseInspector();

        app.MapGet("/health", Health).WithName("Health").WithTags("Service")
            .WithSummary("Check the service is up")
            .WithDescription("Liveness, and the background embedder's counts over every tenant (no data, no tenant names). Needs no API key.");
        app.MapOpenApi();
        app.MapAgentMemMetrics(options);

        // What any /v1 call can answer; each route adds the problems only it can cause (404, 409, 413 for bodies, 507 for writes,
        // 500 "erasure committed" for erasures).
        var v1 = app.MapGroup("/v1")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        CubeEndpoints.Map(v1);
        MemoryEndpoints.Map(v1, options.MaxBatchItems);
        SearchEndpoints.Map(v1);
        AuditEndpoints.Map(v1);
        UserEndpoints.Map(v1);
        return app;
    }

    /// <summary>
    /// The default composition, as in the CLI: the store at <paramref name="db"/> (a SQLite file or a <c>postgresql://</c> URI),
    /// with the hybrid retriever (default), plain BM25 (<c>bm25</c>) and embedding similarity alone (<c>vector</c>), on the
    /// model-free embedder, and the database's payload folder (<see cref="Stores.Locations.StoreLocation.PayloadDirectory"/>), the
    /// one folder a purge deletes cartridge and adapter files from. Schema steps applied while the store opens are told to
    /// <paramref name="schemaProgress"/>.
    /// </summary>
    public static ServerComposition Compose(string db, IProgress<Stores.SchemaStepProgress>? schemaProgress = null)
    {
        var location = Stores.Locations.StoreLocation.Parse(db);
        var store = location.Open(schemaProgress);
        var retrievers = DefaultRetrievers.Create(store);
        var options = new MemoryOSOptions { PayloadFolder = Path.GetFullPath(location.PayloadDirectory) }; // a purge deletes no other database's files
        return new ServerComposition(new MemoryOS(store, retrievers, options), ((Retrieval.Hybrid.HybridRetriever)retrievers[0]).State);
    }

    // Liveness, and the embedding queue's counts: no tenant, no key, nothing about the data.
    private static Ok<HealthStatus> Health(ServerComposition composition, EmbeddingErrorReport errors) => TypedResults.Ok(new HealthStatus("ok", composition.Embeddings is { } state
        ? new EmbeddingHealth(state.EmbedderId, state.PendingEmbeddings, state.BackgroundEmbedded, state.RefusedEmbeddings, errors.Describe(state.BackgroundEmbeddingError))
        : null));
}
