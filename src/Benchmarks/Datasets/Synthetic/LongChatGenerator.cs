namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Generates "longchat": long technical conversations between a user and an assistant about
/// building software, with facts planted in single paragraphs of long messages and questions
/// about them. See <c>docs/longchat.md</c>.
/// </summary>
/// <remarks>
/// Deterministic: one <see cref="Random"/> seeded with <see cref="LongChatOptions.Seed"/> makes
/// every choice, in a fixed order, so a seed and options always give the same dataset and
/// <see cref="BenchmarkDataset.Sha256"/>. Session ids are <c>D1</c>..<c>Dn</c> and turn ids
/// <c>Dk:m</c> (1-based), so <see cref="LocomoJsonWriter"/> output loads back with
/// <see cref="LocomoLoader"/>.
/// </remarks>
public static class LongChatGenerator
{
    /// <summary>Dataset kind name.</summary>
    public const string Kind = "longchat";

    /// <summary>Category of a question about a fact inside a long assistant answer.</summary>
    public const string AssistantFact = "assistant-fact";

    /// <summary>Category of a question about a fact inside a long user message.</summary>
    public const string UserFact = "user-fact";

    /// <summary>Category of a question about a fact that a later session changed; only the later message is evidence.</summary>
    public const string UpdatedFact = "updated-fact";

    /// <summary>Category of a question that needs two facts from two messages.</summary>
    public const string TwoFacts = "two-facts";

    /// <summary>Category of the question about a line in the middle of a pasted log of about 350 KB.</summary>
    public const string GiantMessage = "giant-message";

    /// <summary>Generates the dataset.</summary>
    /// <param name="options">Settings; validated first.</param>
    /// <returns>The dataset, with <see cref="BenchmarkDataset.Sha256"/> of its <see cref="LocomoJsonWriter"/> form.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static BenchmarkDataset Generate(LongChatOptions options) => Build(options).Dataset;

    /// <summary>Generates the dataset and reports where every fact sentence was planted.</summary>
    internal static LongChatGeneration Build(LongChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new Random(options.Seed);
        var conversations = new List<BenchConversation>();
        var questions = new List<BenchQuestion>();
        var planted = new List<LongChatPlantedFact>();
        var names = new Deck<string>(random, LongChatVocabulary.Projects);
        for (int c = 0; c < options.Conversations; c++)
        {
            string name = names.Next();
            if (c >= LongChatVocabulary.Projects.Count)
            {
                name += string.Create(CultureInfo.InvariantCulture, $" {(c / LongChatVocabulary.Projects.Count) + 1}");
            }

            var builder = new LongChatConversationBuilder(random, options, c, name);
            conversations.Add(builder.Build(questions, planted));
        }

        var dataset = new BenchmarkDataset(Kind, conversations, questions, SourcePath(options));
        using var json = new MemoryStream();
        LocomoJsonWriter.Write(dataset, json);
        string sha = Convert.ToHexStringLower(SHA256.HashData(json.GetBuffer().AsSpan(0, (int)json.Length)));
        return new LongChatGeneration(dataset with { Sha256 = sha }, planted);
    }

    private static string SourcePath(LongChatOptions o) => string.Create(
        CultureInfo.InvariantCulture,
        $"generated:{Kind}?seed={o.Seed}&conversations={o.Conversations}&sessions={o.SessionsPerConversation}&turns={o.TurnsPerSession}&facts={o.FactsPerConversation}&giant={(o.IncludeGiantMessage ? "true" : "false")}");
}
