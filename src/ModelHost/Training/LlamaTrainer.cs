namespace AgentMem.ModelHost.Training;

/// <summary>
/// Forward and backward passes of a LLaMA model over a token sequence for training LoRA pairs and KV prefixes (cartridges)
/// with frozen base weights, in float32 on the host: <see cref="Logits"/>, <see cref="ComputeLoss"/> and
/// <see cref="ComputeGradients"/>. The forward computes what <see cref="LlamaModel"/> computes for the same tokens (checked
/// against it to 1e-4 on stories260K). Holds the activations of the last pass: one trainer per thread.
/// </summary>
public sealed class LlamaTrainer
{
    private readonly TrainingGraph<float> graph;
    private readonly LlamaModel? model;

    /// <summary>A trainer on <paramref name="model"/>'s float32 weights (shared, not copied).</summary>
    /// <exception cref="NotSupportedException">
    /// The model's weights are quantised, or it has adapters attached or merged: training runs on the base weights alone
    /// (an attached adapter would be left out of the student's passes, and what is learnt on merged weights would be bound
    /// to the base model, whose fingerprint the merge does not change).
    /// </exception>
    public LlamaTrainer(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Quantization != WeightQuantization.None)
        {
            throw new NotSupportedException("training needs the float32 weights; load the model without quantisation.");
        }

        RefuseAdapters(model);
        this.model = model;
        graph = new TrainingGraph<float>(ModelTensors<float>.From(model.Config, model.Weights));
    }

    /// <summary>Throws unless <paramref name="model"/> has no adapter attached or merged (see the constructor for why).</summary>
    /// <exception cref="NotSupportedException">It has one.</exception>
    internal static void RefuseAdapters(LlamaModel model)
    {
        if (model.Adapters.Count > 0 || model.MergedAdapters.Count > 0)
        {
            throw new NotSupportedException(
                $"training runs on the base weights; this model has {model.Adapters.Count} adapter(s) attached and {model.MergedAdapters.Count} merged. Train on the model without them.");
        }
    }

    /// <summary>A trainer on <paramref name="weights"/> (shared, not copied).</summary>
    /// <exception cref="ModelFormatException">A tensor's size does not match <paramref name="config"/>.</exception>
    public LlamaTrainer(LlamaConfig config, LlamaWeights weights)
    {
        graph = new TrainingGraph<float>(ModelTensors<float>.From(config, weights));
    }

    /// <summary>The model's hyper-parameters.</summary>
    public LlamaConfig Config => graph.Config;

    /// <summary>
    /// The logits [tokens × vocab] of every position of <paramref name="tokens"/>, run at positions
    /// <paramref name="startPosition"/>, +1, … after <paramref name="prefix"/> (when given) with <paramref name="lora"/> applied.
    /// </summary>
    /// <exception cref="ArgumentException">A token is outside the vocabulary, the positions lie outside the model's context (an
    /// <see cref="ArgumentOutOfRangeException"/>), or the sequence's activations would not fit the memory available.</exception>
    public float[] Logits(ReadOnlySpan<int> tokens, int startPosition, LoraParameters? lora = null, KvPrefixParameters? prefix = null)
        => (float[])Run(tokens, startPosition, lora, prefix).Clone();

    /// <summary>The loss of the sequence (forward only).</summary>
    /// <exception cref="ArgumentException">A token is outside the vocabulary, the positions lie outside the model's context (an
    /// <see cref="ArgumentOutOfRangeException"/>), or the sequence's activations would not fit the memory available.</exception>
    public float ComputeLoss(ReadOnlySpan<int> tokens, int startPosition, TrainingLoss loss, LoraParameters? lora = null, KvPrefixParameters? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var logits = Run(tokens, startPosition, lora, prefix);
        return loss.Evaluate<float>(logits, tokens.Length, Config.VocabSize, new float[logits.Length]);
    }

    /// <summary>
    /// Forward and backward: returns the loss and ADDS its gradients to <paramref name="loraGradients"/> (a
    /// <see cref="LoraParameters.CreateGradientBuffer"/> of <paramref name="lora"/>) and <paramref name="prefixGradients"/> (a
    /// <see cref="KvPrefixParameters.CreateGradientBuffer"/> of <paramref name="prefix"/>), so several sequences can be summed
    /// into one step; clear them between steps. Either buffer may be null when its gradients are not wanted.
    /// </summary>
    /// <exception cref="ArgumentException">A gradient buffer does not have its parameters' shape, a token is outside the vocabulary, the positions lie outside the model's context (an <see cref="ArgumentOutOfRangeException"/>), or the sequence's activations, beside the weights and the transposed copies of the matrices the backward pass keeps, would not fit the memory available.</exception>
    public float ComputeGradients(
        ReadOnlySpan<int> tokens,
        int startPosition,
        TrainingLoss loss,
        LoraParameters? lora = null,
        KvPrefixParameters? prefix = null,
        LoraParameters? loraGradients = null,
        KvPrefixParameters? prefixGradients = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (model is not null)
        {
            RefuseAdapters(model); // merged since: the backward's cached transposes would still be of the weights before
        }

        if (loraGradients is not null && (lora is null || !lora.SameShape(loraGradients)))
        {
            throw new ArgumentException("the LoRA gradient buffer must have the LoRA parameters' shape.", nameof(loraGradients));
        }

        if (prefixGradients is not null && (prefix is null || prefix.Length != prefixGradients.Length || prefix.Config.KvDim != prefixGradients.Config.KvDim
            || prefix.Config.Layers != prefixGradients.Config.Layers))
        {
            throw new ArgumentException("the prefix gradient buffer must have the prefix's shape.", nameof(prefixGradients));
        }

        // Checked before the forward: the backward keeps transposed copies of the matrices beside the weights and the tape.
        TrainingGraph<float>.EnsureTapeFits(Config, tokens.Length, prefix?.Length ?? 0, gradients: true, nameof(tokens));
        var logits = Run(tokens, startPosition, lora, prefix);
        var dLogits = new float[logits.Length];
        float value = loss.Evaluate<float>(logits, tokens.Length, Config.VocabSize, dLogits);
        graph.Backward(dLogits, loraGradients?.Set, prefixGradients?.Set);
        return value;
    }

    private float[] Run(ReadOnlySpan<int> tokens, int startPosition, LoraParameters? lora, KvPrefixParameters? prefix)
    {
        // In long: near int.MaxValue the int sum wrapped negative, passed, and RoPE ran at wrapped positions.
        long last = (long)startPosition + tokens.Length - 1;
        if (startPosition < 0 || last >= Config.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(startPosition), startPosition, $"positions {startPosition}..{last} lie outside the context of {Config.SeqLen} (positions 0..{Config.SeqLen - 1}).");
        }

        return graph.Forward(tokens, startPosition, lora?.Set, prefix?.Set);
    }
}
