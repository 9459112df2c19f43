namespace AgentMem.Benchmarks.Datasets;

/// <summary>Mutable tally behind <see cref="DatasetDiagnostics"/>.</summary>
internal sealed class DiagnosticsBuilder
{
    private readonly List<string> notes = [];

    public int Dropped { get; private set; }

    public int Repaired { get; private set; }

    public int Unmatched { get; private set; }

    public void Drop(string note)
    {
        Dropped++;
        Note(note);
    }

    public void Repair(string note)
    {
        Repaired++;
        Note(note);
    }

    public void Unmatch(string note)
    {
        Unmatched++;
        Note(note);
    }

    public void Note(string note)
    {
        if (notes.Count < DatasetDiagnostics.MaxNotes)
        {
            notes.Add(note);
        }
    }

    public DatasetDiagnostics Build() =>
        Dropped == 0 && Repaired == 0 && Unmatched == 0 && notes.Count == 0
            ? DatasetDiagnostics.None
            : new DatasetDiagnostics(Dropped, Repaired, Unmatched, notes.ToArray());
}
