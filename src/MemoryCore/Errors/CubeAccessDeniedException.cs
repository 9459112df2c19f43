namespace AgentMem.MemoryCore.Errors;

/// <summary>
/// The acting scope lacks the access an operation needs on a cube. <see cref="CanRead"/> tells a host whether the scope
/// may know the cube at all: the service answers 404 to a user-bound key for a cube it cannot read, as if it did not exist.
/// </summary>
public sealed class CubeAccessDeniedException : AccessDeniedException
{
    /// <summary>Creates the exception for <paramref name="cubeName"/>.</summary>
    public CubeAccessDeniedException(string message, string cubeName, bool canRead)
        : base(message)
    {
        CubeName = cubeName;
        CanRead = canRead;
    }

    /// <summary>The cube's name.</summary>
    public string CubeName { get; }

    /// <summary>Whether the scope may read the cube (it was refused something more, such as writing).</summary>
    public bool CanRead { get; }

    /// <summary>
    /// The memory the operation named by id, when it did (the cube is the one holding it): a host that hides unreadable
    /// cubes answers such a request as it answers an unknown id, so the id reveals neither the memory nor its cube.
    /// </summary>
    public string? MemoryId { get; private init; }

    /// <summary>
    /// How the operation named the cube (its id or its name), when it named one: a host that hides unreadable cubes answers
    /// with what it was asked, so an id does not reveal the name behind it. Null means the cube was named by
    /// <see cref="CubeName"/> or not at all.
    /// </summary>
    public string? RequestedAs { get; private init; }

    /// <summary>This refusal, for an operation that named the memory <paramref name="memoryId"/> by id.</summary>
    public CubeAccessDeniedException ForMemory(string memoryId) =>
        new(Message, CubeName, CanRead) { MemoryId = memoryId, RequestedAs = RequestedAs };

    /// <summary>This refusal, for an operation that named the cube <paramref name="idOrName"/>.</summary>
    public CubeAccessDeniedException ForCube(string idOrName) =>
        new(Message, CubeName, CanRead) { MemoryId = MemoryId, RequestedAs = idOrName };
}
