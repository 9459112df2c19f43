using Xunit;

namespace AgentMem.TestSupport;

/// <summary>
/// The PostgreSQL server tests run against: its URI comes from <c>AGENTMEM_TEST_POSTGRES</c> (<c>.ci/postgres up DIR</c>
/// starts one and prints it; <c>.ci/run</c> does that itself). Without it a test is reported as skipped with the reason,
/// never passed; with <c>AGENTMEM_REQUIRE_POSTGRES=1</c> (set by <c>.ci/run</c>) a missing server fails the test instead.
/// </summary>
public static class PostgresServer
{
    /// <summary>The environment variable holding the server's URI.</summary>
    public const string UriVariable = "AGENTMEM_TEST_POSTGRES";

    /// <summary>The environment variable that turns a missing server from a skip into a failure.</summary>
    public const string RequireVariable = "AGENTMEM_REQUIRE_POSTGRES";

    /// <summary>The reason a test without a server is skipped.</summary>
    public const string SkipReason = $"set {UriVariable} to a PostgreSQL URI (.ci/postgres up DIR prints one) to run the PostgreSQL tests";

    /// <summary>The server's URI; skips the calling <c>[SkippableFact]</c> when none is configured (fails when one is required).</summary>
    public static string UriOrSkip()
    {
        string? uri = Environment.GetEnvironmentVariable(UriVariable);
        if (string.IsNullOrWhiteSpace(uri))
        {
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            {
                throw new InvalidOperationException($"{RequireVariable}=1 but {UriVariable} is not set: CI must run the PostgreSQL tests.");
            }

            Skip.If(true, SkipReason);
        }

        return uri!;
    }
}
