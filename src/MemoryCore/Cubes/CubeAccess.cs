namespace AgentMem.MemoryCore.Cubes;

/// <summary>Levels of access to a cube.</summary>
[Flags]
public enum CubeAccess
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Get, list, history and search.</summary>
    Read = 1,

    /// <summary>
    /// Add and purge. Updates, state changes and deletes need <see cref="Read"/> too: each returns the memory as it is
    /// after, so on its own it would read any memory whose id the writer knows.
    /// </summary>
    Write = 2,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
}
