using AgentMem.ModelHost;
using AgentMem.ModelHost.Training;

namespace AgentMem.Agents.Scheduling;

/// <summary>
/// The scheduler's adapter trainer over a local model: each text is one sequence from BOS (tokenised as content
/// with the model's tokenizer, <see cref="ITokenizer.EncodeText"/>), trained by <see cref="LoraAdapterTrainer"/> with <see cref="Options"/>. Training runs on the calling thread
/// (CPU work, no I/O), so <see cref="TrainAsync"/> completes synchronously.
/// </summary>
public sealed class LoraTextTrainer : IAdapterTrainer
{
    private readonly LlamaModel model;
    private readonly ITokenizer tokenizer;

    /// <summary>A trainer for <paramref name="model"/>, tokenising with <paramref name="tokenizer"/>.</summary>
    public LoraTextTrainer(LlamaModel model, ITokenizer tokenizer, LoraTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        this.model = model;
        this.tokenizer = tokenizer;
        Options = options ?? new LoraTrainingOptions();
        Options.Validate();
    }

    /// <summary>The training recipe (rank, targets, steps, learning rate, seed …).</summary>
    public LoraTrainingOptions Options { get; }

    /// <summary>Receives each training step (loss, learning rate), then each window of the final-loss pass (<see cref="TrainingPhase.FinalLoss"/>), when set.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <inheritdoc/>
    public Task<LoraAdapter> TrainAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        // Memory text, encoded as content: a spelled special token (<|im_start|>) must not be trained in as the real one.
        var sequences = texts.Select(t => (IReadOnlyList<int>)tokenizer.EncodeText(t, bos: true)).ToList();
        return Task.FromResult(LoraAdapterTrainer.Train(model, sequences, Options, progress: Progress, cancellationToken: cancellationToken));
    }
}
