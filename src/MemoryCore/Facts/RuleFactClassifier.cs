namespace AgentMem.MemoryCore.Facts;

/// <summary>
/// The offline classifier: deterministic rules over <see cref="FactShape"/>s, tried against every
/// candidate, strongest verdict first:
/// <list type="number">
/// <item><b>NOOP</b>: same polarity and near-identical content (term Jaccard ≥ <see cref="NoopSimilarity"/>),
/// or the new fact's terms (at least two) are all in the old one: it adds nothing. Never when both give the same subject
/// and single-valued attribute a different value (<c>at 10 am</c> after <c>at 10 pm</c>, <c>York</c> after <c>New York</c>).</item>
/// <item><b>DELETE</b>: the new fact is negated, the old one is not, and without the negation they say the
/// same thing (Jaccard ≥ <see cref="NegationSimilarity"/>, or the same subject and attribute with the same or no value).</item>
/// <item><b>UPDATE</b>: neither is negated and they share subject and a single-valued attribute with a different
/// value (<c>I live in Paris</c> → <c>I moved to Berlin</c>); or the old fact's terms (at least two) are all in the
/// new one, which refines it (<c>Ann has a cat</c> → <c>Ann has a cat named Miso</c>); or the old fact is negated, the
/// new one is not, and without the negation they say the same thing (Jaccard ≥ <see cref="NegationSimilarity"/>:
/// <c>I don't eat meat</c> → <c>I eat meat now</c>).</item>
/// <item>Otherwise <b>ADD</b>.</item>
/// </list>
/// None of these applies to two facts whose subjects were both parsed and differ: <c>My sister lives in Paris</c> holds
/// every term of <c>I live in Paris</c> (<c>my</c> is <c>i</c>), yet neither says the other. Subjects are compared by owner and
/// relative noun only, without an opening adverb or time phrase or a name in apposition: <c>Actually, I</c> is <c>I</c>, and
/// <c>My sister Eve</c> is <c>my sister</c>.
/// </summary>
public sealed class RuleFactClassifier : IFactClassifier
{
    /// <summary>Term Jaccard at or above which two same-polarity facts are the same fact.</summary>
    public double NoopSimilarity { get; init; } = 0.85;

    /// <summary>Term Jaccard at or above which a negated fact contradicts a positive one (either way round).</summary>
    public double NegationSimilarity { get; init; } = 0.6;

    /// <inheritdoc/>
    public string Name => "rules";

    /// <inheritdoc/>
    public Task<FactDecision> ClassifyAsync(string fact, IReadOnlyList<MemoryItem> candidates, CancellationToken cancellationToken = default) =>
        Task.FromResult(Classify(fact, candidates));

    /// <summary>The synchronous form of <see cref="ClassifyAsync"/>.</summary>
    public FactDecision Classify(string fact, IReadOnlyList<MemoryItem> candidates)
    {
        ArgumentNullException.ThrowIfNull(fact);
        ArgumentNullException.ThrowIfNull(candidates);
        var next = FactShape.Parse(fact);
        FactDecision? delete = null;
        FactDecision? update = null;
        foreach (var candidate in candidates)
        {
            var old = FactShape.Parse(candidate.Text);
            if (next.Referent.Length > 0 && old.Referent.Length > 0 && !string.Equals(next.Referent, old.Referent, StringComparison.Ordinal))
            {
                continue; // about someone else: shared terms do not make it known, refined or negated
            }

            double similarity = FactText.Jaccard(next.Terms, old.Terms);
            string sim = similarity.ToString("0.00", CultureInfo.InvariantCulture);
            bool sameSlot = next.Subject.Length > 0 && next.Attribute is not null
                && string.Equals(next.Subject, old.Subject, StringComparison.Ordinal)
                && string.Equals(next.Attribute, old.Attribute, StringComparison.Ordinal);

            // A new value of the same single-valued attribute is never "already known", however many terms it shares: its
            // words can all be in the old fact ("at 10 am" after "at 10 pm", where "am" is a stop word; "York" after
            // "New York"). The value keeps every word of the parse, so the rules below compare it as said.
            bool newValue = sameSlot && next.Value.Length > 0 && !string.Equals(next.Value, old.Value, StringComparison.Ordinal);
            if (next.Negated == old.Negated && !newValue)
            {
                if (similarity >= NoopSimilarity || (next.Terms.Count >= 2 && next.Terms.IsSubsetOf(old.Terms)))
                {
                    return new FactDecision(FactAction.Noop, candidate.Id, $"already known (term similarity {sim})", Name);
                }
            }

            if (next.Negated && !old.Negated && delete is null
                && (similarity >= NegationSimilarity || (sameSlot && (next.Value.Length == 0 || next.Value == old.Value))))
            {
                delete = new FactDecision(FactAction.Delete, candidate.Id, $"negates it (term similarity {sim})", Name);
            }

            if (!next.Negated && !old.Negated && update is null)
            {
                if (newValue)
                {
                    update = new FactDecision(FactAction.Update, candidate.Id, $"new value of '{next.Subject} {next.Attribute}': '{old.Value}' -> '{next.Value}'", Name);
                }
                else if (old.Terms.Count >= 2 && old.Terms.IsSubsetOf(next.Terms) && next.Terms.Count > old.Terms.Count)
                {
                    update = new FactDecision(FactAction.Update, candidate.Id, "refines it with more detail", Name);
                }
            }

            // A negated fact is no longer true once its positive is told (otherwise both stayed current).
            if (!next.Negated && old.Negated && update is null && similarity >= NegationSimilarity)
            {
                update = new FactDecision(FactAction.Update, candidate.Id, $"reverses its negation (term similarity {sim})", Name);
            }
        }

        return delete ?? update ?? new FactDecision(FactAction.Add, null, candidates.Count == 0 ? "no related fact" : "no stored fact says this", Name);
    }
}
