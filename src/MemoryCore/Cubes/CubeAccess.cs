namespace AgentMem.MemoryCore.Cubes;

/// <summary>Levels of access to a cube.</summary>
[Flags]
public enum CubeAccess
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Get, list, history and search.</summary>
    Read = 1,

    /// <summary>Add, update, delete and purge.</summary>
    Write = 2,

    /// <summary>Read and write.</summary>
    ReadWrite = Read | Write,
}
