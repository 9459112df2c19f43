using AgentMem.Server;
using AgentMem.Server.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>serve --urls URL [--api-key-file F] [--metrics] [--tokenizer SPEC]</c>: runs the REST service over the <c>--db</c> database.
/// With a key file every <c>/v1</c> call needs a key and acts for the key's tenant (and <c>--user</c>/<c>--agent</c> are
/// refused: a key binds them). Without one, auth is off and every call acts for <c>--tenant</c>, and as <c>--user</c> and
/// <c>--agent</c> unless it names others; that is allowed on loopback addresses only, so an unauthenticated service is
/// never reachable from another machine.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(Verbs verbs)
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, ';'-separated, each http(s)://HOST:PORT (port 0 picks a free port).", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var keyFile = new Option<FileInfo?>("--api-key-file") { Description = "API keys, one 'tenant:sha256hex' per line, optionally ' user=NAME agent=NAME' to bind the key ('#' comments). Re-read when it changes (checked at most once a second), so a line added or removed takes effect without a restart; a changed file that does not parse keeps the keys read before. Without it: no auth, loopback only, every call acts for --tenant, and as --user and --agent unless it names its own; with it, --user and --agent are refused (a key file line binds its user and agent)." };
        var maxBody = new Option<long>("--max-body-bytes") { Description = "Largest request body accepted (413 above it; a body declared at up to four times this is read and dropped first, so clients that send it whole still read the 413).", DefaultValueFactory = _ => 16L * 1024 * 1024 };
        var metrics = new Option<bool>("--metrics") { Description = "Serve metrics for Prometheus at /metrics (no API key needed). OTLP export is on when OTEL_EXPORTER_OTLP_ENDPOINT is set." };
        var tokenizer = TokenizerOption.Create("the token budget of /v1/context");
        return verbs.Create("serve", "Run the REST service (API under /v1, OpenAPI at /openapi/v1.json, /health).", [urls, keyFile, maxBody, metrics, tokenizer], async (ctx, parse, ct) =>
        {
            var options = new ServerOptions { Db = ctx.Db.Display, LocalTenant = ctx.Scope.Tenant, LocalUser = ctx.Scope.User, LocalAgent = ctx.Scope.Agent, MaxRequestBodyBytes = parse.GetValue(maxBody), PrometheusMetrics = parse.GetValue(metrics), TokenCounter = TokenizerOption.Resolve(parse.GetValue(tokenizer)) };
            options.Urls.Clear();
            foreach (string url in (parse.GetValue(urls) ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                options.Urls.Add(url);
            }

            if (options.Urls.Count == 0)
            {
                // Kestrel would fall back to its own defaults (ASPNETCORE_HTTP_PORTS binds every interface), which the
                // loopback guard then refused as an unexpected error after binding.
                throw new MemoryValidationException("--urls names no address; give one or more, ';'-separated (e.g. http://127.0.0.1:5080).");
            }

            if (parse.GetValue(keyFile) is { } file)
            {
                // The service reads it (a bad line stops it here, naming the line) and reads it again when it changes.
                options.ApiKeyFile = file.FullName;
            }
            else
            {
                options.RequireAuth = false;
            }

            Verb.Validate(options.Validate, (nameof(ServerOptions.MaxRequestBodyBytes), "--max-body-bytes"), (nameof(ServerOptions.Urls), "--urls"), (nameof(ServerOptions.LocalUser), "--user"), (nameof(ServerOptions.LocalAgent), "--agent"));

            // The CLI's composition, so --embedder applies; a factory registration lets the host dispose it on stop.
            // Logs go to stderr: stdout stays for command output, as with every other verb.
            await using var app = AgentMemServer.Build(options, b =>
            {
                b.Services.AddSingleton(_ =>
                {
                    var memory = (ctx with { EmbedInBackground = true, BuildAnnInBackground = true }).Compose(ctx.OpenStore(), null, out var state);
                    return new ServerComposition(memory, state);
                });
                b.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            });
            await app.StartAsync(ct);
            string mode = options.RequireAuth ? $"API keys from {options.ApiKeyFile}, re-read when it changes" : $"no auth, tenant '{options.LocalTenant}'{Named("user", options.LocalUser)}{Named("agent", options.LocalAgent)}, loopback only";
            ctx.Output.Err.WriteLine($"agentmem serving {ctx.Db.Display} on {string.Join(", ", app.Urls)} ({mode}; tokens counted by {options.TokenCounter.Name}); Ctrl-C stops.");
            ctx.Output.Err.Flush();

            // Returns once Ctrl-C, SIGTERM or the caller's token stops the host; in-flight requests finish first.
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
    }

    private static string Named(string what, string? name) => name is null ? string.Empty : $", {what} '{name}'";
}
