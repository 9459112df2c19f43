using System.Diagnostics;
using System.Net.Http.Headers;

namespace AgentMem.Cli.Tests.MultiNode;

/// <summary>
/// One <c>agentmem serve</c> process over a shared database, as a node of a deployment: its own port and its own index
/// folder (a node's indexes are a local cache of the store), a client carrying the tenant's key.
/// </summary>
internal sealed class ServiceNode : IAsyncDisposable
{
    private readonly Process process;

    private ServiceNode(string name, Process process, int port, string key)
    {
        Name = name;
        this.process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public string Name { get; }

    public HttpClient Client { get; }

    public bool HasExited => process.HasExited;

    /// <summary>Starts a node and waits until it answers <c>/health</c>.</summary>
    public static async Task<ServiceNode> StartAsync(string name, string db, string keyFile, string key, string indexDirectory)
    {
        int port = LocalService.FreePort();
        var process = LocalService.StartCli(["--db", db, "--index-dir", indexDirectory, "serve", "--urls", $"http://127.0.0.1:{port}", "--api-key-file", keyFile]);
        var node = new ServiceNode(name, process, port, key);
        await LocalService.WaitForHealthAsync(node.Client, () => process.HasExited);
        return node;
    }

    /// <summary>SIGKILL: no shutdown, no drain, as a crashed machine.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
        return ValueTask.CompletedTask;
    }
}
