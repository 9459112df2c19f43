using System.Text.Json;

namespace AgentMem.TestSupport;

/// <summary>
/// Every turn of LoCoMo (<c>../shared/datasets/locomo/locomo10.json</c>) as <c>"speaker: text"</c>, in file order: a
/// real-world text corpus (~5,900 turns of chat English with names, dates, emoji and typos) for tokenizer equivalence checks.
/// </summary>
public static class LocomoTurns
{
    private static readonly Lazy<List<string>> All = new(Read);

    /// <summary>The turns, read once.</summary>
    public static IReadOnlyList<string> Texts => All.Value;

    private static List<string> Read()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepoPaths.Locomo));
        var turns = new List<string>();
        foreach (var sample in doc.RootElement.EnumerateArray())
        {
            foreach (var session in sample.GetProperty("conversation").EnumerateObject())
            {
                if (session.Value.ValueKind != JsonValueKind.Array)
                {
                    continue; // speaker names and session dates
                }

                foreach (var turn in session.Value.EnumerateArray())
                {
                    turns.Add(turn.GetProperty("speaker").GetString() + ": " + turn.GetProperty("text").GetString());
                }
            }
        }

        return turns;
    }
}
