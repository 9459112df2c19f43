namespace AgentMem.Campaign.Bench;

/// <summary>
/// One file format under fuzzing: a valid sample, where a damaged copy goes (a file, or one file inside a copy of a
/// folder for multi-file formats such as SPANN), and the reader that must reject damage with a typed error.
/// </summary>
/// <param name="Name">Format name in the table.</param>
/// <param name="ValidFile">A valid sample file.</param>
/// <param name="Read">Opens and uses the damaged file at the given path (for folder formats: the folder holding it).</param>
/// <param name="SiblingFolder">For folder formats: the valid folder, copied whole around the damaged file.</param>
internal sealed record FormatTarget(string Name, string ValidFile, Action<string> Read, string? SiblingFolder = null);
