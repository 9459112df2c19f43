namespace AgentMem.Cli.Output;

/// <summary>
/// How far a long verb is in one of its phases: <paramref name="Done"/> of <paramref name="Total"/>
/// <paramref name="Unit"/> <paramref name="Phase"/> ("read 2,000/200,000 memories", "imported 35/35 turns").
/// </summary>
/// <param name="Phase">The phase, a past participle: the NDJSON event's name and the start of the line for people.</param>
/// <param name="Done">How many are done.</param>
/// <param name="Total">How many there are in all.</param>
/// <param name="Unit">What is counted ("memories", "turns").</param>
/// <param name="Event">
/// An NDJSON event of its own, written with <c>--json</c> for this step whatever its place (a committed batch and the ids
/// it stored); null for the plain <c>{"event":PHASE,"done":N,"total":M}</c>, written when the phase reaches a new whole
/// percent, so a step reported per memory makes at most some 100 lines.
/// </param>
internal sealed record ProgressStep(string Phase, int Done, int Total, string Unit, object? Event = null);
