namespace AgentMem.ModelHost.Training;

/// <summary>Which real corpus entries a self-study prefix starts from (<see cref="SelfStudyOptions.Initialization"/>).</summary>
public enum SelfStudyInitialization
{
    /// <summary>The first P − 1 corpus entries and the last one (the cartridges paper's choice: real tokens from the start).</summary>
    FirstTokens,

    /// <summary>P entries evenly spaced over the corpus, the first and the last included.</summary>
    EvenlySpaced,
}
