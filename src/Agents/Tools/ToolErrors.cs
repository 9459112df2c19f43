namespace AgentMem.Agents.Tools;

/// <summary>
/// Which errors of a memory or core block tool call reach the model with their message: the tools' own argument errors
/// (<see cref="ArgumentException"/>, and <see cref="JsonException"/> for an argument of the wrong JSON type), which say how to
/// fix the call, and the memory's domain errors the model can act on (validation, not found, access denied, a memory's
/// state, a full cube). Any other error (the store's, the file system's, an embedding service's) is the host's: its message
/// can name paths, hosts and users, so the model is told only which tool failed, and the error is logged in full to the
/// tools' logger. Every tool <see cref="MemoryTools"/> and <see cref="CoreBlockTools"/> create applies this rule, so every
/// host of the tools (<see cref="MemoryAgent"/>, <c>agentmem mcp</c>, Semantic Kernel) may pass their errors' messages on.
/// </summary>
public static class ToolErrors
{
    /// <summary>Whether <paramref name="exception"/>'s message is meant for the model that made the call.</summary>
    public static bool IsForModel(Exception exception) => exception is
        ArgumentException or JsonException
        or MemoryValidationException or MemoryNotFoundException or CubeNotFoundException or AccessDeniedException
        or MemoryStateException or MemoryFrozenException or CubeFullException or CubeAlreadyExistsException;

    /// <summary>What the model is told in place of an error not meant for it: which tool failed, and that arguments will not fix it.</summary>
    internal static string Failed(string tool) =>
        $"The tool {tool} failed with an error inside the memory host (its operator's log has the details); changing the call's arguments will not help.";
}
