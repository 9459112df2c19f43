namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>Word lists the generator fills templates from, so that all messages share one realistic vocabulary.</summary>
internal static class LongChatVocabulary
{
    /// <summary>Project code names; each conversation takes a different one.</summary>
    public static IReadOnlyList<string> Projects { get; } =
    [
        "Lighthouse", "Fernwood", "Quartzline", "Bluefinch", "Harbor", "Tessellate", "Copperleaf", "Northwind", "Sundial", "Kestrel",
        "Meridian", "Driftwood", "Granite", "Lanternfish", "Orchard", "Polaris", "Redwood", "Skylark", "Tidewater", "Umbra",
    ];

    /// <summary>What the product is, completing "building ...".</summary>
    public static IReadOnlyList<string> ProductKinds { get; } =
    [
        "a B2B invoicing platform", "a fleet-tracking dashboard", "a recipe-sharing app", "an internal HR portal", "a marketplace for used bikes",
        "a telehealth booking system", "a learning management system", "a warehouse inventory tool", "a podcast hosting service", "a ticketing system for events",
        "a property management SaaS", "a small-business accounting app", "a carbon-footprint reporting tool", "a customer support inbox", "a restaurant ordering platform",
        "a document e-signing service",
    ];

    /// <summary>Team names.</summary>
    public static IReadOnlyList<string> Teams { get; } =
    [
        "Platform", "Payments", "Growth", "Core Services", "Data", "Integrations", "Checkout", "Identity", "Mobile Backend", "Reliability",
    ];

    /// <summary>Technology stacks.</summary>
    public static IReadOnlyList<LongChatStack> Stacks { get; } =
    [
        new("ASP.NET Core", "C#", "csharp", "cs", "src", "xunit"),
        new("Django", "Python", "python", "py", "app", "pytest"),
        new("FastAPI", "Python", "python", "py", "service", "pytest"),
        new("Spring Boot", "Java", "java", "java", "src/main/java", "JUnit 5"),
        new("NestJS", "TypeScript", "typescript", "ts", "src", "Jest"),
        new("Express", "TypeScript", "typescript", "ts", "server", "Vitest"),
        new("Gin", "Go", "go", "go", "internal", "go test"),
        new("Ktor", "Kotlin", "kotlin", "kt", "src/main/kotlin", "Kotest"),
    ];

    /// <summary>Software components (without article); facts attach to them.</summary>
    public static IReadOnlyList<string> Components { get; } =
    [
        "billing service", "search indexer", "auth service", "payments processor", "notification worker", "export job", "ingestion pipeline",
        "API gateway", "admin dashboard", "report generator", "image resizer", "webhook dispatcher", "session store", "rate limiter",
        "audit logger", "feature flag service", "job scheduler", "email sender", "analytics collector", "upload service", "pricing engine",
        "inventory sync", "profile service", "recommendation engine", "checkout service", "metrics exporter", "backup job",
        "geocoding service", "document parser", "chat relay", "invoice renderer", "tenant provisioner", "search API", "sync worker",
        "translation service", "fraud detector", "ledger service", "onboarding service", "media transcoder", "permissions service",
    ];

    /// <summary>Project milestones (with article where English wants one); deadlines attach to them.</summary>
    public static IReadOnlyList<string> Milestones { get; } =
    [
        "release 2.3", "release 3.0", "the public beta", "the data migration", "the SOC 2 audit", "the v2 API freeze", "the mobile launch",
        "the load test", "the pricing change", "the GDPR review", "the onboarding redesign", "release 1.8", "the database upgrade", "the partner pilot",
    ];

    /// <summary>First names of teammates.</summary>
    public static IReadOnlyList<string> People { get; } =
    [
        "Priya", "Marcus", "Aiko", "Tomasz", "Lena", "Diego", "Fatima", "Jonas", "Mei", "Olu", "Sven", "Camila", "Arjun", "Hannah",
        "Kwame", "Ines", "Dmitri", "Grace", "Yusuf", "Nora", "Raj", "Elif", "Mateo", "Sofia", "Bjorn", "Chiara",
    ];

    /// <summary>Tools and libraries named in passing, without versions (fact values carry versions).</summary>
    public static IReadOnlyList<string> Tools { get; } =
    [
        "OpenTelemetry", "Prometheus", "Grafana", "Sentry", "Testcontainers", "Docker Compose", "GitHub Actions", "Helm", "Terraform", "k6",
        "pgbouncer", "Flyway", "Liquibase", "Renovate", "SonarQube", "Jaeger", "Loki", "Argo CD", "Vault", "Dependabot", "Playwright",
        "Swagger UI", "Polly", "Serilog", "Celery", "Hypothesis", "WireMock", "LocalStack", "pre-commit", "Datadog",
    ];

    /// <summary>Configuration keys.</summary>
    public static IReadOnlyList<string> ConfigKeys { get; } =
    [
        "Logging:LogLevel:Default", "ConnectionStrings:Main", "HttpClient:HandlerLifetime", "Features:EnableNewParser", "Outbox:PollInterval",
        "Jwt:Audience", "Cors:AllowedOrigins", "Kestrel:Limits:MaxConcurrentConnections", "Telemetry:SamplingRatio", "Storage:BucketName",
        "SMTP_HOST", "DATABASE_URL", "SENTRY_DSN", "WORKER_CONCURRENCY", "OTEL_EXPORTER_OTLP_ENDPOINT", "LOG_FORMAT", "S3_PREFIX",
        "spring.jpa.hibernate.ddl-auto", "server.shutdown", "management.endpoints.web.exposure.include", "celery.task_acks_late",
        "GOMAXPROCS", "NODE_OPTIONS", "TZ", "ALLOWED_HOSTS",
    ];

    /// <summary>Error messages people paste and discuss.</summary>
    public static IReadOnlyList<string> Errors { get; } =
    [
        "connection refused", "deadlock detected", "the operation has timed out", "401 Unauthorized", "too many open files",
        "duplicate key value violates unique constraint", "Object reference not set to an instance of an object", "context deadline exceeded",
        "OOMKilled", "certificate has expired", "ECONNRESET", "relation does not exist", "serialization failure", "503 Service Unavailable",
        "NullPointerException", "KeyError: 'tenant_id'", "invalid memory address or nil pointer dereference", "lock wait timeout exceeded",
        "CrashLoopBackOff", "broken pipe", "JSON parse error: unexpected token", "permission denied", "no space left on device",
        "TypeError: Cannot read properties of undefined", "ImagePullBackOff",
    ];

    /// <summary>HTTP routes.</summary>
    public static IReadOnlyList<string> Routes { get; } =
    [
        "/api/v1/invoices", "/api/orders/{id}", "/health/ready", "/api/users/me", "/api/v2/search", "/webhooks/stripe", "/api/reports/export",
        "/api/tenants/{tenantId}/settings", "/auth/token", "/api/uploads", "/metrics", "/api/cart/items", "/graphql", "/api/notifications/unread",
    ];

    /// <summary>Database tables.</summary>
    public static IReadOnlyList<string> Tables { get; } =
    [
        "invoices", "line_items", "users", "tenants", "outbox_messages", "audit_events", "orders", "payments", "sessions", "subscriptions",
        "documents", "api_keys", "job_runs", "price_rules", "shipments",
    ];

    /// <summary>Metric names.</summary>
    public static IReadOnlyList<string> Metrics { get; } =
    [
        "http_server_request_duration_seconds", "queue_depth", "db_pool_wait_ms", "cache_hit_ratio", "jobs_failed_total", "gc_pause_ms",
        "outbox_lag_seconds", "consumer_lag", "error_rate", "cpu_throttled_seconds",
    ];

    /// <summary>Environments.</summary>
    public static IReadOnlyList<string> Environments { get; } = ["staging", "production", "dev", "the preview environment", "QA"];

    /// <summary>Weekdays.</summary>
    public static IReadOnlyList<string> Weekdays { get; } = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

    /// <summary>Acknowledgements that open some user messages.</summary>
    public static IReadOnlyList<string> Acknowledgements { get; } =
    [
        "Thanks, that worked.", "Okay, makes sense.", "Great, I applied that.", "Hmm, not quite what I expected.", "Perfect.",
        "That fixed the build, thanks.", "Got it.", "Good call on the logging.", "I tried that but it still fails.", "Nice, the tests are green now.",
        "Sorry for the delay, I was in meetings all day.", "Back on this after the weekend.",
    ];
}
