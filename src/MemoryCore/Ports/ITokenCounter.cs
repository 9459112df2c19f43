namespace AgentMem.MemoryCore.Ports;

/// <summary>Counts tokens of text for context budgets and benchmark reports.</summary>
public interface ITokenCounter
{
    /// <summary>Identifies the counting method in manifests, e.g. <c>heuristic-v1</c> or a tokenizer name.</summary>
    string Name { get; }

    /// <summary>Whether counts are exact for some model's tokenizer (false for estimates).</summary>
    bool IsExact { get; }

    /// <summary>The number of tokens in <paramref name="text"/>.</summary>
    int CountTokens(string text);
}
