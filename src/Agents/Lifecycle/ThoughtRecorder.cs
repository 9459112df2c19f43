using AgentMem.Common.Text;
using AgentMem.MemoryCore.Links;

namespace AgentMem.Agents.Lifecycle;

/// <summary>
/// Think-in-Memory without an extra model call: after an answer, the recalled memories it drew on are
/// those sharing content terms with the reply (at least two, or half of the memory's own terms), and the
/// thought is the question with the conclusion reached, linked to them.
/// </summary>
internal static class ThoughtRecorder
{
    private const int MaxPart = 300;

    /// <summary>The recalled memories the reply draws on, best-supported first, with the share of their terms the reply uses.</summary>
    public static IReadOnlyList<(MemoryId Id, double Support)> Evidence(IReadOnlyList<MemoryItem> recalled, string reply, int max)
    {
        if (string.IsNullOrWhiteSpace(reply) || recalled.Count == 0)
        {
            return [];
        }

        var replyTerms = FactText.ContentTerms(reply);
        var scored = new List<(MemoryId Id, int Shared, double Support)>();
        foreach (var m in recalled)
        {
            var terms = FactText.ContentTerms(m.Text);
            if (terms.Count == 0)
            {
                continue;
            }

            int shared = terms.Count(replyTerms.Contains);
            double support = (double)shared / terms.Count;
            if (shared >= 2 || (shared >= 1 && support >= 0.5))
            {
                scored.Add((m.Id, shared, support));
            }
        }

        return [.. scored.OrderByDescending(s => s.Shared).ThenByDescending(s => s.Support).ThenBy(s => s.Id).Take(max).Select(s => (s.Id, s.Support))];
    }

    /// <summary>The thought memory for one answer.</summary>
    public static MemoryDraft Draft(string question, string reply, IReadOnlyList<(MemoryId Id, double Support)> evidence, string? session, DateTimeOffset now, MemoryId turn) =>
        new($"Thought: asked \"{Clip(question)}\", I concluded: {Clip(reply)}")
        {
            Source = SourceKind.Agent,
            SourceRef = "turn:" + turn,
            Session = session,
            ValidFrom = now,
            Tags = [MemoryAgent.ThoughtTag],
            Importance = 0.4,
            Links = [.. evidence.Select(e => new MemoryLink(e.Id, LinkTypes.DerivedFrom, Math.Round(e.Support, 3)))],
        };

    private static string Clip(string text)
    {
        string t = text.Trim().ReplaceLineEndings(" ");
        return t.Length <= MaxPart ? t : string.Concat(TextClip.Prefix(t, MaxPart - 3).TrimEnd(), "...");
    }
}
