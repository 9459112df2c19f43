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
    /// Add. Updates, state changes, deletes and purges need <see cref="Read"/> too: each returns the memory as it is after
    /// (or, for a purge, says whether it was there and frozen), so on its own it would read any memory whose id the writer
    /// knows; and a purge erases for good what a soft delete only hides.
    /// </summary>
    Write = 2,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
}
