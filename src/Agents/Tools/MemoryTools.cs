using Microsoft.Extensions.Logging;

namespace AgentMem.Agents.Tools;

/// <summary>
/// The memory tools an LLM can call, as <see cref="AIFunction"/>s bound to one memory, acting scope
/// and cube. Hand them to any <see cref="IChatClient"/> through <see cref="ChatOptions.Tools"/>, to an
/// MCP server, or to Semantic Kernel. Invalid calls throw exceptions whose messages tell the model how
/// to fix the call; an error inside the host (the store's, an embedding service's) is logged to the tools' logger and thrown
/// with a message that only names the tool (<see cref="ToolErrors"/>), so a host may pass every error's message to the model.
/// A <see cref="FunctionInvokingChatClient"/> passes it only with <see cref="FunctionInvokingChatClient.IncludeDetailedErrors"/>
/// set; without it the model reads "Error: Function failed." and cannot tell how to fix its call.
/// </summary>
public static class MemoryTools
{
    /// <summary>Name of the search tool.</summary>
    public const string Search = "memory_search";

    /// <summary>Name of the add tool.</summary>
    public const string Add = "memory_add";

    /// <summary>Name of the update tool.</summary>
    public const string Update = "memory_update";

    /// <summary>Name of the delete tool.</summary>
    public const string Delete = "memory_delete";

    /// <summary>Name of the history tool.</summary>
    public const string History = "memory_history";

    /// <summary>Name of the links tool.</summary>
    public const string Links = "memory_links";

    /// <summary>
    /// Most characters of one memory's text a tool result carries: a longer one comes as its matched passage or its
    /// beginning, with its whole length in <c>FullLength</c>, so one pasted log cannot fill the model's context.
    /// </summary>
    public const int MaxTextChars = 4_000;

    /// <summary>
    /// Most versions <c>memory_history</c> and most links each way <c>memory_links</c> list: a summary linked from hundreds
    /// of memories, or a block edited hundreds of times, put megabytes into the model's context in one call.
    /// </summary>
    public const int MaxListedItems = 50;

    /// <summary>
    /// Creates the six memory tools acting as <paramref name="scope"/> on <paramref name="cube"/>
    /// (created on the first <c>memory_add</c> if it does not exist). Without a logger, the paths of files a committed purge
    /// could not delete, and the errors inside the host the model is told only the tool of, are recorded nowhere: hosts should pass one.
    /// </summary>
    public static IReadOnlyList<AIFunction> Create(MemoryOS memory, Scope scope, string cube) => Create(memory, scope, cube, logger: null);

    /// <summary>
    /// <see cref="Create(MemoryOS, Scope, string)"/>, logging to <paramref name="logger"/> what is for the host's operator and
    /// not for the model: the local paths of the files a committed purge could not delete (the tool's result gives their count),
    /// and in full every error the model is told only that the tool failed of (<see cref="ToolErrors"/>).
    /// </summary>
    public static IReadOnlyList<AIFunction> Create(MemoryOS memory, Scope scope, string cube, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var set = new MemoryToolSet(memory, scope, AgentTool.BoundCube(scope, cube), logger);
        return
        [
            AgentTool.Create(set.SearchAsync, Search, "Search long-term memory for facts and past conversation relevant to a query. Returns the best matches, best first, with id, text, speaker, date (the event's day, or its instant with the offset it was given when it is not midnight there) and score. Search before answering questions about the user or the past.", logger,
                parameter => parameter.Name == "mode" ? set.ModeDescription : null),
            AgentTool.Create(set.AddAsync, Add, "Remember a new fact or event for later conversations. Returns the memory id and whether it was new (false when the same text was already remembered).", logger),
            AgentTool.Create(set.UpdateAsync, Update, "Correct a remembered fact: replaces the text of the memory with this id and returns the new version. The old version is kept in the history with the reason; a forgotten (archived) memory is current again with the correction.", logger),
            AgentTool.Create(set.DeleteAsync, Delete, "Forget a memory by id. By default keeps a tombstone version in the history; with purge=true erases the memory and all its versions for good.", logger),
            AgentTool.Create(set.HistoryAsync, History, $"List the versions of a memory (the latest {MaxListedItems} at most, with the total), oldest first, with its state and the reason each version was replaced.", logger),
            AgentTool.Create(set.LinksAsync, Links, "Show a memory's typed links: outgoing links to other memories (with their text while they are current memories of this cube; none once deleted or forgotten, and only the id for one in another cube, marked inOtherCube), and incoming links from current memories of the same cube that point to it.", logger),
        ];
    }
}
