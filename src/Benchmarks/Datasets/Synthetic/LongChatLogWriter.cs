namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Writes realistic application and build logs: timestamps, levels, components, request ids,
/// HTTP, database, queue, build and deploy events, and stack traces in the project's language.
/// Logs have no blank lines, so a pasted log is one paragraph of its message.
/// </summary>
internal sealed class LongChatLogWriter(Random random, LongChatSlots slots, LongChatProject project)
{
    /// <summary>Log message templates, each with the component that logs it.</summary>
    private static readonly (string Component, string Template)[] Messages =
    [
        ("http", "GET {ROUTE} responded 200 in {MS} ms"),
        ("http", "POST {ROUTE} responded 201 in {MS} ms"),
        ("http", "GET {ROUTE} responded 404 in {N} ms"),
        ("http", "PUT {ROUTE} responded 409 in {MS} ms (version conflict)"),
        ("db.pool", "acquired connection in {N} ms (active={NN}, idle={N})"),
        ("db", "slow query ({MS} ms): SELECT * FROM {TABLE} WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT {NN}"),
        ("cache", "miss for key {CS}:{NNN}:{GITSHA}"),
        ("cache", "hit ratio over last 60s: {PCT}%"),
        ("scheduler", "job {CS}_cleanup started"),
        ("scheduler", "job {CS}_cleanup finished in {N}.{NN}s, {NNN} rows processed"),
        ("resilience", "retrying call to {CK} after {ERR} (attempt {N})"),
        ("kafka.consumer", "lag for topic {CS}.events partition {N}: {NNN} messages"),
        ("gc", "gen2 collection took {MS} ms, heap {NNN} MB"),
        ("health", "check '{CK}' is Healthy"),
        ("health", "check '{CK}' is Degraded: {ERR}"),
        ("auth", "user {NNN}{NN} signed in (tenant={GITSHA})"),
        ("http.client", "outbound call to https://{CK}.internal{ROUTE} failed: {ERR}"),
        ("flags", "evaluation for tenant {GITSHA} took {N} ms"),
        ("outbox", "relay published {NN} messages in {MS} ms"),
        ("migrator", "{TABLE}: {NNN} rows copied, {N} batches remaining"),
        ("http", "request body of {NNN} KB exceeds soft limit, streaming to disk"),
        ("tls", "handshake with {CK}.internal completed (TLSv1.3)"),
        ("ratelimit", "rejected request from 10.{NN}.{N}.{PCT}"),
        ("deploy", "rolling update of {CK}, {N}/{NN} pods ready"),
        ("deploy", "image registry.internal/{CK}:{GITSHA} pulled"),
        ("k8s", "pod {CK}-{GITSHA}-{N}x{N}q status Running"),
        ("k8s", "pod {CK}-{GITSHA}-{N}z{N}k restarted ({ERR})"),
        ("build", "compiled {NNN} files in {N}.{N}s"),
        ("build", "restoring packages for {CP} ({NN} dependencies)"),
        ("build", "warning: {CP}Options.Endpoint is never assigned and will always have its default value"),
        ("test-runner", "{CP}Tests.Handles_empty_input passed in {MS} ms"),
        ("test-runner", "{CP}Tests.Rejects_duplicate_key FAILED: expected {N} but was {NN}"),
        ("test-runner", "{NNN} passed, {N} skipped, 0 failed"),
        ("config", "loaded {NN} settings from environment, {N} overridden"),
        ("worker-{N}", "heartbeat ok, queue depth {NN}"),
        ("webhooks", "delivery to partner endpoint returned 502, scheduled redelivery in {NN}s"),
        ("host", "shutdown requested, draining {N} in-flight requests"),
    ];

    /// <summary>Class-name suffixes for stack frames.</summary>
    private static readonly string[] Roles = ["Handler", "Processor", "Executor", "Loader", "Repository", "Dispatcher", "Invoker", "Validator", "Mapper", "Client"];

    private static readonly string[] Methods = ["Handle", "Process", "Execute", "Load", "Save", "Dispatch", "Invoke", "Apply", "Validate", "Map"];


    /// <summary>Writes about <paramref name="targetBytes"/> of log lines (UTF-8, ASCII only).</summary>
    /// <param name="targetBytes">Approximate size; the log stops at the first line that reaches it.</param>
    /// <param name="start">Timestamp of the first line.</param>
    /// <param name="inserts">Extra message bodies, each placed at the given fraction (0..1) of the lines, logged by the <c>deploy</c> component.</param>
    /// <returns>The log, lines separated by <c>\n</c>, without a trailing newline.</returns>
    public string Write(int targetBytes, DateTime start, IReadOnlyList<(double At, string Body)> inserts)
    {
        var entries = new List<string[]>();
        int size = 0;
        while (size < targetBytes)
        {
            string[] entry = Entry();
            entries.Add(entry);
            // Timestamp, level and brackets take 33 bytes, a request id 17, each line break 1.
            size += 33 + entry[1].Length + entry[2].Length + (HasRequestId(entry[1]) ? 17 : 0) + entry.Skip(3).Sum(l => l.Length + 1) + 1;
        }

        // Inserted from the back so earlier positions stay valid.
        foreach ((double at, string body) in inserts.OrderByDescending(i => i.At))
        {
            entries.Insert((int)Math.Round(at * entries.Count), ["INFO", "deploy", body]);
        }

        var log = new StringBuilder(targetBytes + 4096);
        DateTime time = start;
        foreach (string[] entry in entries)
        {
            time = time.AddMilliseconds(random.Next(1, 900));
            if (log.Length > 0)
            {
                log.Append('\n');
            }

            log.Append(time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture))
                .Append(' ').Append(entry[0].PadRight(5))
                .Append(" [").Append(entry[1]).Append("] ")
                .Append(entry[2]);
            if (HasRequestId(entry[1]))
            {
                log.Append(" req=").Append(slots.Hex(12));
            }

            for (int i = 3; i < entry.Length; i++)
            {
                log.Append('\n').Append(entry[i]);
            }
        }

        return log.ToString();
    }

    /// <summary>The level a real logger would use for the message: failures are errors, trouble is a warning, the rest mostly information.</summary>
    private string LevelOf(string template)
    {
        if (template.Contains("FAILED", StringComparison.Ordinal) || template.Contains(" failed", StringComparison.Ordinal))
        {
            return "ERROR";
        }

        string[] trouble = ["Degraded", "rejected", "502", "409", "retrying", "slow query", "restarted", "exceeds", "warning"];
        if (trouble.Any(t => template.Contains(t, StringComparison.Ordinal)))
        {
            return "WARN";
        }

        return random.Next(5) == 0 ? "DEBUG" : "INFO";
    }

    private static bool HasRequestId(string component) => component is "http" or "auth" or "ratelimit" or "http.client";

    private string[] Entry()
    {
        LongChatSlots.Scope scope = slots.Begin(slots.Pick(project.Components));
        (string component, string template) = slots.Pick(Messages);
        component = scope.Fill(component);
        if (random.Next(40) > 0)
        {
            return [LevelOf(template), component, scope.Fill(template)];
        }

        var lines = new List<string> { "ERROR", component, scope.Fill("unhandled exception in {CK}: {ERR}") };
        lines.AddRange(Trace(scope));
        return [.. lines];
    }

    private IEnumerable<string> Trace(LongChatSlots.Scope scope)
    {
        int frames = random.Next(4, 12);
        string[] methods = Methods;
        string p = scope.Focus.Pascal;
        string s = scope.Focus.Snake;
        switch (project.Stack.Extension)
        {
            case "cs":
                yield return scope.Fill("System.InvalidOperationException: {ERR}");
                for (int i = 0; i < frames; i++)
                {
                    yield return $"   at {project.Name}.{p}.{p}{slots.Pick(Roles)}.{slots.Pick(methods)}Async(CancellationToken ct) in /src/{p}/{p}{slots.Pick(Roles)}.cs:line {random.Next(12, 480)}";
                }

                break;
            case "java" or "kt":
                yield return scope.Fill("java.lang.IllegalStateException: {ERR}");
                for (int i = 0; i < frames; i++)
                {
                    string cls = p + slots.Pick(Roles);
                    yield return $"\tat com.{project.Name.ToLowerInvariant()}.{s.Replace("_", "", StringComparison.Ordinal)}.{cls}.{slots.Pick(methods).ToLowerInvariant()}({cls}.{project.Stack.Extension}:{random.Next(12, 480)})";
                }

                break;
            case "py":
                yield return "Traceback (most recent call last):";
                for (int i = 0; i < frames; i++)
                {
                    yield return $"  File \"/app/{s}/{slots.Pick(methods).ToLowerInvariant()}.py\", line {random.Next(12, 480)}, in {slots.Pick(methods).ToLowerInvariant()}_{s}";
                }

                yield return scope.Fill("RuntimeError: {ERR}");
                break;
            case "go":
                yield return scope.Fill("panic: {ERR}");
                yield return $"goroutine {random.Next(1, 400)} [running]:";
                for (int i = 0; i < frames; i++)
                {
                    yield return $"{project.Name.ToLowerInvariant()}/internal/{s.Replace("_", "", StringComparison.Ordinal)}.(*{p}).{slots.Pick(methods)}(...)";
                    yield return $"\t/app/internal/{s.Replace("_", "", StringComparison.Ordinal)}/{slots.Pick(methods).ToLowerInvariant()}.go:{random.Next(12, 480)} +0x{slots.Hex(3)}";
                }

                break;
            default:
                yield return scope.Fill("Error: {ERR}");
                for (int i = 0; i < frames; i++)
                {
                    yield return $"    at {p}{slots.Pick(Roles)}.{slots.Pick(methods).ToLowerInvariant()} (/app/{project.Stack.SourceRoot}/{scope.Focus.Kebab}/{slots.Pick(methods).ToLowerInvariant()}.ts:{random.Next(12, 480)}:{random.Next(3, 40)})";
                }

                break;
        }
    }
}
