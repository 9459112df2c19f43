namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>A thing facts are about: a software component or a project milestone.</summary>
/// <param name="Bare">Name without article, e.g. <c>billing service</c> or <c>release 2.3</c>.</param>
/// <param name="IsMilestone">True for milestones, which take no article ("release 2.3", "the public beta" already has one).</param>
internal sealed record LongChatEntity(string Bare, bool IsMilestone)
{
    /// <summary>Name as used inside a sentence: "the billing service", "release 2.3".</summary>
    public string Name => IsMilestone ? Bare : "the " + Bare;

    /// <summary>PascalCase identifier, e.g. <c>BillingService</c>.</summary>
    public string Pascal => string.Concat(Words().Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>kebab-case identifier, e.g. <c>billing-service</c>.</summary>
    public string Kebab => string.Join('-', Words().Select(w => w.ToLowerInvariant()));

    /// <summary>snake_case identifier, e.g. <c>billing_service</c>.</summary>
    public string Snake => string.Join('_', Words().Select(w => w.ToLowerInvariant()));

    private IEnumerable<string> Words()
    {
        var word = new StringBuilder();
        foreach (char c in Bare.Replace("the ", "", StringComparison.Ordinal))
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
