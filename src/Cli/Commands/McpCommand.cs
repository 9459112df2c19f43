using AgentMem.Agents.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentMem.Cli.Commands;

/// <summary>
/// <c>mcp</c>: serves the memory tools over the Model Context Protocol on stdin/stdout, bound to the
/// global --db, --tenant, --user, --agent and --cube options. Stdout carries only protocol messages,
/// so nothing else may print there; the MCP SDK logs nowhere unless given a logger.
/// </summary>
internal static class McpCommand
{
    private const string CubesUri = "agentmem://cubes";

    public static Command Create(Verbs verbs)
    {
        return verbs.Create("mcp", "Serve the memory tools (memory_search, memory_add, ...) to an MCP client over stdio.", [], async (ctx, parse, ct) =>
        {
            // A server lives on: a cube past the ANN threshold gets its SPANN index built in the background.
            await using var memory = (ctx with { BuildAnnInBackground = true }).OpenMemory();
            var options = new McpServerOptions
            {
                ServerInfo = new Implementation { Name = "agentmem", Version = typeof(McpCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
                ServerInstructions = $"Long-term memory (cube '{ctx.Cube}'). Search it before answering questions about the user or the past; add durable facts worth remembering.",
                ToolCollection = [],
                ResourceCollection = [],
            };
            // The agent's core memory blocks are editable over MCP as in `agentmem chat` (and, being memories, searchable).
            // A purge that left files answers "purged" with their count; the paths are the operator's, on stderr.
            // An error inside the host (the store's) is logged there too, and the client is told only which tool failed.
            var logger = Output.StandardErrorLogger.Instance;
            var tools = MemoryTools.Create(memory, ctx.Scope, ctx.Cube, logger).Concat(CoreBlockTools.Create(new Agents.Blocks.CoreMemoryBlocks(memory), ctx.Scope, ctx.Cube, logger));

            options.ResourceCollection.Add(McpServerResource.Create(
                async (CancellationToken token) =>
                {
                    var cubes = await memory.ListCubesAsync(ctx.Scope, token);
                    return JsonSerializer.Serialize(cubes.Select(c => new { id = c.Id, name = c.Name, description = c.Description }), CliOutput.JsonOptions);
                },
                new McpServerResourceCreateOptions { UriTemplate = CubesUri, Name = "cubes", Description = "The cubes of this tenant the acting user can read, as JSON.", MimeType = "application/json" }));

            ctx.Output.Notice($"[grey]agentmem MCP server on stdio: db {TerminalText.Escape(ctx.Db.Display)}, cube '{TerminalText.Escape(ctx.Cube)}'[/]");
            await ServeAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(), options, tools, Mcp.DrainingStdio.DrainTimeout, ct);
            return 0;
        });
    }

    /// <summary>
    /// Serves <paramref name="tools"/> (each reporting its errors to the client) and the resources of
    /// <paramref name="options"/> over <paramref name="input"/> and <paramref name="output"/>, one JSON-RPC message a line,
    /// until the client ends its input; the end of input first waits for the answers to what was read before it (a piped
    /// client closes at once), at most <paramref name="drainTimeout"/>; requests still running then are stopped and answered
    /// with an error.
    /// </summary>
    internal static async Task ServeAsync(Stream input, Stream output, McpServerOptions options, IEnumerable<AIFunction> tools, TimeSpan drainTimeout, CancellationToken ct)
    {
        options.ToolCollection ??= [];
        foreach (var tool in tools)
        {
            options.ToolCollection.Add(McpServerTool.Create(new ReportedErrors(tool)));
        }

        using var stdio = new Mcp.DrainingStdio(input, output, drainTimeout);
        var incoming = options.Filters.Message.IncomingFilters ??= [];
        incoming.Add(Mcp.UnreadableArguments.Refuse());
        incoming.Add(Mcp.OverdueRequests.Stop(drainTimeout, stdio.Overdue));
        await using var transport = new StreamServerTransport(stdio.Input, stdio.Output, "agentmem");
        await using var server = McpServer.Create(transport, options);
        await server.RunAsync(ct);
    }

    /// <summary>
    /// The MCP SDK hides the message of any exception but <see cref="McpException"/>. The tools throw only errors whose
    /// message is meant for the model (<see cref="ToolErrors"/>: their own argument errors, an argument of the wrong JSON type,
    /// the memory's domain errors, and for any other error a short one naming the tool, logged in full to stderr), so each is
    /// passed on as an <see cref="McpException"/>; the rule itself is the tools', not repeated here.
    /// </summary>
    private sealed class ReportedErrors(AIFunction inner) : DelegatingAIFunction(inner)
    {
        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            try
            {
                return await base.InvokeCoreAsync(arguments, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new McpException(ex.Message, ex);
            }
        }
    }
}
