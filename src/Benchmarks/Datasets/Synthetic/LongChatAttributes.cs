namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// The catalogue of fact kinds. Statements and questions were written so that a question shares
/// the entity with its statement but usually not the attribute's wording, as a user's question
/// recalls a decision in their own words.
/// </summary>
internal static class LongChatAttributes
{
    /// <summary>Every attribute kind, in a fixed order (the generator's draws depend on it).</summary>
    public static IReadOnlyList<LongChatAttribute> All { get; } =
    [
        new(
            "region", true, false,
            ["eu-west-3", "us-east-2", "ap-southeast-1", "eu-central-1", "us-west-2", "ca-central-1", "sa-east-1", "ap-northeast-1", "eu-north-1", "af-south-1"],
            [
                "We will run {E} out of {V}, since that is where most of its traffic originates.",
                "{E} gets deployed to {V}; the other regions only see read replicas.",
                "For {E} the target region is {V}, and the Terraform workspace is already set up for it.",
            ],
            ["Which region is {E} deployed to?", "Where is {E} hosted geographically?", "What cloud location did we pick for {E}?"],
            "the service that runs in {V}",
            true),
        new(
            "cache-ttl", true, false,
            ["15 minutes", "90 seconds", "2 hours", "30 minutes", "10 minutes", "45 seconds", "6 hours", "24 hours", "5 minutes", "12 hours"],
            [
                "Entries cached by {E} should expire after {V}, which keeps the staleness window acceptable.",
                "Set the cache TTL of {E} to {V} and leave the eviction policy alone.",
                "Cached results in {E} live for {V} before they are refreshed from the source.",
            ],
            ["How long do cached entries last in {E}?", "What expiry did we settle on for the cache in {E}?", "After how much time does {E} drop its cached data?"],
            null,
            true),
        new(
            "database", true, false,
            ["PostgreSQL 15", "MySQL 8.0", "MongoDB 6", "SQL Server 2022", "CockroachDB 23", "MariaDB 10.11", "DynamoDB", "Cassandra 4", "PostgreSQL 16", "SQLite"],
            [
                "{E} keeps its data in {V}; nothing else writes to that instance.",
                "We are backing {E} with {V} because the team already operates it.",
                "Persistence for {E} goes through {V}, with migrations checked into the same repository.",
            ],
            ["Which database does {E} store its records in?", "What datastore backs {E}?", "Where does {E} persist its state?"],
            "the service whose records live in {V}",
            true),
        new(
            "deadline", false, true,
            ["March 14", "April 2", "May 21", "June 9", "July 30", "August 18", "September 5", "October 27", "November 12", "December 3"],
            [
                "We agreed that {E} has to be done by {V}, and nobody wants it to slip.",
                "The cut-off date for {E} is {V}.",
                "{E} is scheduled to ship on {V}, assuming QA signs off the week before.",
            ],
            ["When is {E} due?", "What is the target date for {E}?", "By what date must {E} be finished?"],
            null,
            true),
        new(
            "max-retries", true, false,
            ["3", "5", "7", "4", "6", "8", "10", "12"],
            [
                "{E} gives up after {V} attempts and moves the message to the dead-letter queue.",
                "We capped retries for {E} at {V}, with exponential backoff between them.",
                "If a call fails, {E} tries again up to {V} times before it reports an error.",
            ],
            ["How many times does {E} retry before giving up?", "What is the retry limit on {E}?", "How many attempts does {E} make when a call fails?"],
            null,
            false),
        new(
            "owner", true, true,
            [],
            [
                "{V} owns {E} from now on and approves changes to it.",
                "Anything about {E} should go to {V}, who is responsible for it this quarter.",
                "{V} is the point person for {E}, so loop them in on design changes.",
            ],
            ["Who is in charge of {E}?", "Who is the person accountable for {E}?", "Which teammate should I ask about {E}?"],
            null,
            true),
        new(
            "port", true, false,
            ["8080", "5001", "9090", "7443", "8443", "3000", "6060", "9201", "8125", "4317"],
            [
                "{E} listens on port {V} inside the cluster.",
                "Expose {E} on {V}; the ingress maps it to 443 for outside callers.",
                "The container for {E} binds to {V}, so the health probe has to use that too.",
            ],
            ["Which port does {E} bind to?", "What port number is {E} served on?", "On what port can I reach {E} inside the cluster?"],
            "the service listening on port {V}",
            false),
        new(
            "language", true, false,
            ["Go 1.22", "Rust", "Kotlin", "Python 3.12", "TypeScript on Node 20", "C# on .NET 8", "Elixir", "Java 21", "Scala 3", "Ruby 3.3"],
            [
                "{E} will be written in {V} so it can share libraries with the rest of that codebase.",
                "We are implementing {E} in {V}; the team has the most experience there.",
                "The rewrite of {E} uses {V}, which also simplifies the build image.",
            ],
            ["What programming language is {E} implemented in?", "Which language did we choose for {E}?", "What is {E} coded in?"],
            "the component written in {V}",
            true),
        new(
            "broker", true, false,
            ["Kafka", "RabbitMQ", "Amazon SQS", "NATS JetStream", "Azure Service Bus", "Google Pub/Sub", "Redis Streams", "Apache Pulsar"],
            [
                "Events from {E} are published to {V}, one topic per aggregate.",
                "{E} talks to its consumers through {V} rather than direct HTTP calls.",
                "We wired {E} to {V} for its outgoing messages.",
            ],
            ["What messaging system does {E} emit events through?", "Which queue technology does {E} send its messages on?", "How does {E} hand work off asynchronously, with which broker?"],
            "the service that publishes to {V}",
            true),
        new(
            "cache-store", true, false,
            ["Redis 7", "Memcached", "Valkey 8", "Hazelcast", "an in-process LRU cache", "Redis Cluster", "Caffeine", "Varnish"],
            [
                "{E} caches hot lookups in {V}.",
                "For {E} the cache layer is {V}, shared with nothing else.",
                "We put {V} in front of {E} to absorb the read traffic.",
            ],
            ["What does {E} use for caching?", "Which cache technology sits in front of {E}?", "Where does {E} keep frequently read data?"],
            "the component that caches in {V}",
            true),
        new(
            "timeout", true, false,
            ["30 seconds", "5 seconds", "750 milliseconds", "2 minutes", "10 seconds", "250 milliseconds", "1500 milliseconds", "45 seconds"],
            [
                "Requests made by {E} time out after {V}.",
                "{E} waits at most {V} for a downstream answer and then fails fast.",
                "The client timeout in {E} is {V}; longer calls are cancelled.",
            ],
            ["How long does {E} wait before a request is abandoned?", "What is the request deadline for {E}?", "When does {E} stop waiting for a downstream response?"],
            null,
            true),
        new(
            "replicas", true, false,
            ["2", "3", "4", "6", "9", "12", "16", "5"],
            [
                "We run {V} replicas of {E} in production.",
                "{E} is scaled to {V} pods, and the autoscaler is switched off for now.",
                "Production has {V} instances of {E} behind the load balancer.",
            ],
            ["How many copies of {E} are running in prod?", "What is the instance count for {E}?", "How far is {E} scaled out?"],
            null,
            false),
        new(
            "schedule", true, false,
            ["every 15 minutes", "nightly at 02:00 UTC", "every hour", "every Sunday at 04:30 UTC", "every 6 hours", "daily at 23:00 UTC", "every weekday at 07:00 UTC", "every 5 minutes"],
            [
                "{E} runs {V}.",
                "The scheduler triggers {E} {V}, and overlapping runs are skipped.",
                "We kick off {E} {V}; more often than that would hammer the database.",
            ],
            ["How often does {E} execute?", "When does {E} get started?", "What cadence is {E} on?"],
            null,
            true),
        new(
            "log-retention", true, false,
            ["14 days", "90 days", "30 days", "1 year", "7 days", "180 days", "60 days", "400 days"],
            [
                "Logs from {E} are kept for {V} and then purged.",
                "The retention for log output of {E} is {V}.",
                "We store what {E} writes to its logs for {V}; after that it is gone.",
            ],
            ["How long do we hold on to the logs of {E}?", "For how many days are log lines of {E} preserved?", "When are old logs of {E} deleted?"],
            null,
            true),
        new(
            "rate-limit", true, false,
            ["100 requests per second", "600 requests per minute", "50 requests per second per tenant", "2,000 requests per minute", "20 requests per second", "10,000 requests per hour"],
            [
                "{E} is throttled at {V}.",
                "Clients of {E} are limited to {V}; above that they get a 429.",
                "We configured the rate limit of {E} at {V}.",
            ],
            ["How much traffic does {E} accept before throttling kicks in?", "What is the request quota on {E}?", "At what rate does {E} start rejecting calls?"],
            null,
            true),
        new(
            "api-version", true, false,
            ["v3", "v2.1", "v4", "v1.7", "v5-beta", "v2", "v3.2"],
            [
                "Clients should call {E} through its {V} API; older versions are deprecated.",
                "The supported API of {E} is {V}, everything else returns a deprecation header.",
                "New integrations with {E} must target the {V} endpoints.",
            ],
            ["Which API version of {E} should clients use?", "What version of the interface of {E} is current?", "Which endpoints of {E} should a new integration target?"],
            null,
            true),
        new(
            "alert-channel", true, false,
            ["#ops-pager", "#team-falcon", "#inc-core", "#alerts-tier1", "#platform-oncall", "#eng-firefighting", "#sre-night", "#alerts-payments"],
            [
                "Alerts for {E} go to {V}.",
                "When {E} misbehaves, PagerDuty posts into {V}.",
                "We route the monitoring notifications of {E} to {V}.",
            ],
            ["Where do notifications about {E} failures show up?", "Which Slack channel receives warnings about {E}?", "Where would I see it if {E} broke?"],
            "the service whose alerts land in {V}",
            true),
        new(
            "budget", true, true,
            ["$1,200 per month", "$450 per month", "$3,800 per month", "$9,000 per month", "$700 per month", "$15,000 in total", "$2,500 per month"],
            [
                "{E} must stay under {V} in cloud spend.",
                "Finance approved {V} for {E}, and not a cent more.",
                "The budget ceiling for {E} is {V}.",
            ],
            ["How much money can we spend on {E}?", "What is the spending cap for {E}?", "How much did finance allow for {E}?"],
            null,
            true),
        new(
            "latency-slo", true, false,
            ["200 ms at p99", "50 ms at p95", "1 second at p99", "120 ms at p99", "400 ms at p95", "80 ms at p99"],
            [
                "Our latency objective for {E} is {V}.",
                "{E} has to answer within {V}, and the error budget is measured against that.",
                "The SLO on response time for {E} is {V}.",
            ],
            ["What response-time target did we set for {E}?", "How fast does {E} need to be?", "What speed goal is {E} held to?"],
            null,
            true),
        new(
            "uptime", true, false,
            ["99.9%", "99.95%", "99.5%", "99.99%", "99.0%"],
            [
                "{E} has to meet an availability of {V} per month.",
                "We promise {V} uptime for {E} in the customer contract.",
                "The availability SLA of {E} is {V}.",
            ],
            ["What uptime does {E} guarantee?", "How available must {E} be?", "What percentage of the time must {E} be up?"],
            null,
            true),
        new(
            "feature-flag", true, false,
            ["new-checkout-ui", "fast-path-search", "bulk-export-beta", "async-ingest", "v2-pricing-rules", "streaming-reports", "lazy-thumbnails", "strict-validation"],
            [
                "The new behaviour of {E} is gated behind the {V} feature flag.",
                "We ship the changes to {E} dark and turn them on with the {V} toggle.",
                "{E} checks the {V} flag before it takes the new code path.",
            ],
            ["Which flag switches on the new behaviour in {E}?", "What toggle controls the rollout of {E}?", "Under which switch are the changes to {E} hidden?"],
            "the component gated by the {V} flag",
            true),
        new(
            "batch-size", true, false,
            ["500", "1,000", "250", "64", "2,048", "128", "5,000"],
            [
                "{E} processes records in batches of {V}.",
                "The batch size of {E} is {V}; bigger batches blew up the memory.",
                "{E} pulls {V} items per batch from the queue.",
            ],
            ["How many records does {E} handle per chunk?", "How large are the chunks that {E} works through?", "How many items does {E} take at a time?"],
            null,
            false),
        new(
            "pool-size", true, false,
            ["20", "50", "100", "16", "32", "8"],
            [
                "Keep the connection pool of {E} at {V} connections at most.",
                "{E} opens up to {V} database connections.",
                "The max pool size for {E} is {V}.",
            ],
            ["How many DB connections may {E} hold?", "What is the connection limit of {E} towards the database?", "How large is the pool {E} uses to talk to the database?"],
            null,
            false),
        new(
            "platform", true, false,
            ["Kubernetes on EKS", "AWS Lambda", "Google Cloud Run", "Azure Container Apps", "a single VM on Hetzner", "Fly.io", "ECS Fargate", "Nomad on bare metal"],
            [
                "{E} will be hosted on {V}.",
                "We deploy {E} to {V}, which keeps the ops work small.",
                "The runtime environment for {E} is {V}.",
            ],
            ["What infrastructure does {E} run on?", "Where does {E} actually execute?", "What compute platform did we put {E} on?"],
            "the service hosted on {V}",
            true),
        new(
            "auth-method", true, false,
            ["OAuth 2.0 client credentials", "mutual TLS", "signed JWTs from Auth0", "API keys in the X-Api-Key header", "HMAC-signed requests", "OpenID Connect via Keycloak"],
            [
                "Callers authenticate to {E} with {V}.",
                "{E} only accepts requests that use {V}.",
                "Access to {E} is secured by {V}.",
            ],
            ["How do clients prove their identity to {E}?", "What login mechanism protects {E}?", "How are calls to {E} authorised?"],
            null,
            true),
        new(
            "repository", true, false,
            ["platform-monorepo", "billing-svc", "core-backend", "edge-services", "data-jobs", "web-frontend", "infra-live", "shared-libs"],
            [
                "The code for {E} lives in the {V} repository.",
                "{E} sits in the {V} repo, under its own folder.",
                "We keep the sources of {E} in {V}.",
            ],
            ["Which repo holds the source of {E}?", "Where is the code of {E} checked in?", "In which git project do I find {E}?"],
            "the component whose code is in the {V} repo",
            true),
        new(
            "max-payload", true, false,
            ["10 MB", "256 KB", "5 MB", "1 MB", "50 MB", "512 KB", "2 MB"],
            [
                "{E} rejects payloads larger than {V}.",
                "The request body limit of {E} is {V}.",
                "Uploads to {E} are capped at {V}; bigger files need the multipart path.",
            ],
            ["What is the biggest body {E} accepts?", "How large can a request to {E} be?", "What size limit applies to uploads to {E}?"],
            null,
            true),
        new(
            "encryption", true, false,
            ["AES-256-GCM", "ChaCha20-Poly1305", "envelope encryption with AWS KMS", "TLS 1.3 only", "column-level encryption with pgcrypto", "age"],
            [
                "{E} protects sensitive fields with {V}.",
                "Data handled by {E} is encrypted using {V}.",
                "For {E} we settled on {V} for encryption.",
            ],
            ["How is sensitive data secured in {E}?", "What cipher or scheme protects what {E} stores?", "Which crypto does {E} rely on?"],
            null,
            true),
    ];
}
