namespace AgentMem.ModelHost.Training;

/// <summary>
/// What a training run holds beside the tape and the frozen weights for the parameters it trains (a LoRA run: the pairs, their
/// gradients, AdamW's two moments and the adapter's copy), for <see cref="TrainingGraph{T}.EnsureTapeFits(LlamaConfig, int, int, bool, string, TrainedStateBytes?)"/>:
/// <paramref name="Bytes"/>, <paramref name="Description"/> in words ("the rank-8 LoRA pairs on q, v with …") and the
/// <paramref name="Remedy"/> a refusal names when they alone do not fit.
/// </summary>
internal readonly record struct TrainedStateBytes(double Bytes, string Description, string Remedy);
