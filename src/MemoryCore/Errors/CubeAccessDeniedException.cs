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
}
