namespace AgentMem.MemoryCore.Import;

/// <summary>
/// Whose records an import writes: its caller's, as an add's are. An importer that names a user or an agent writes as that
/// user and that agent (both fields are its own once it names either): a record naming another is refused, and one naming
/// none is stamped with its own. Only an importer of no user and no agent, the tenant's, keeps the users and agents a file
/// names. Every other write stamps its caller as the author; an import that kept a file's user let a caller put words in
/// another user's mouth (their filters, de-duplication and erasure all count the record as theirs) and left what it
/// imported out of its own erasure.
/// </summary>
internal static class ImportAuthor
{
    /// <summary>
    /// <paramref name="named"/>, the scope a file gives a record, as <paramref name="importer"/> writes it, in the importer's
    /// tenant; a record that names a user or agent the importer is not is refused with the error <paramref name="refused"/>
    /// makes of what it names (<c>user</c> or <c>agent</c>) and the name.
    /// </summary>
    public static Scope Stamp(Scope named, Scope importer, Func<string, string, AccessDeniedException> refused)
    {
        if (importer.User is null && importer.Agent is null)
        {
            return new Scope(importer.Tenant, named.User, named.Agent, named.Session ?? importer.Session);
        }

        return new Scope(importer.Tenant, Author(named.User, importer.User, "user"), Author(named.Agent, importer.Agent, "agent"), named.Session ?? importer.Session);

        string? Author(string? name, string? own, string what) =>
            name is null || string.Equals(name, own, StringComparison.Ordinal) ? own : throw refused(what, name);
    }
}
