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
    /// The cube as the caller named it (id or name), when the tenant has none by that name (<see cref="Unknown"/>); null
    /// otherwise. A host that can create cubes may add how, as the CLI adds its <c>cube create</c> command.
    /// </summary>
    public string? Cube { get; private init; }

    /// <summary>
    /// The answer to naming a cube the tenant does not have, in words fit for any host (no command of one of them). A host
    /// hiding a cube the caller may not read answers with this too, word for word, so the wording does not tell the two
    /// apart; advice to create the cube would be wrong there, since its name is taken.
    /// </summary>
    public static CubeNotFoundException Unknown(string idOrName, string tenant) =>
        new($"No cube '{idOrName}' in tenant '{tenant}'.") { Cube = idOrName };
}
