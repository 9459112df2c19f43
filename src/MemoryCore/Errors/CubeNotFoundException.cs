namespace AgentMem.MemoryCore.Errors;

/// <summary>No cube with that id or name in this tenant.</summary>
public class CubeNotFoundException : AgentMemException
{
    /// <summary>Creates the exception.</summary>
    public CubeNotFoundException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CubeNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public CubeNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The answer to naming a cube the tenant does not have. A host hiding a cube the caller may not read answers with this
    /// too, word for word, so the wording does not tell the two apart.
    /// </summary>
    public static CubeNotFoundException Unknown(string idOrName, string tenant) =>
        new($"No cube '{idOrName}' in tenant '{tenant}'. Create it first (agentmem cube create {idOrName}).");
}
