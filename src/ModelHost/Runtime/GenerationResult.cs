namespace AgentMem.ModelHost;

/// <summary>What a <see cref="Generator"/> produced.</summary>
/// <param name="PromptTokens">The prompt as encoded, starting with BOS.</param>
/// <param name="Tokens">The generated token ids (excluding the prompt and a sampled BOS).</param>
/// <param name="Text">The generated text, decoded as llama2.c prints it.</param>
/// <param name="StoppedAtBos">True when generation ended because BOS was sampled.</param>
public sealed record GenerationResult(IReadOnlyList<int> PromptTokens, IReadOnlyList<int> Tokens, string Text, bool StoppedAtBos);
