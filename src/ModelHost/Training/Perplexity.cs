namespace AgentMem.ModelHost.Training;

/// <summary>
/// Teacher-forced perplexity through the inference path (so an attached adapter is measured as it will be used): how well a
/// model predicts each next token of a text it is fed.
/// </summary>
public static class Perplexity
{
    /// <summary>
    /// exp of the mean over positions 0..n−2 of −log softmax(logits)[token t+1], running <paramref name="tokens"/> through
    /// <paramref name="model"/> (with whatever adapters it has attached) from position 0.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two tokens, more than the model's context, or a token outside the vocabulary.</exception>
    public static double Measure(LlamaModel model, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count < 2 || tokens.Count > model.Config.SeqLen)
        {
            throw new ArgumentException($"perplexity needs 2..{model.Config.SeqLen} tokens; got {tokens.Count}.", nameof(tokens));
        }

        // All of them first: the last is never run through Forward (which checks its token), only read as a target.
        int[] text = [.. tokens];
        model.Config.CheckTokens(text, nameof(tokens));

        using var cache = model.CreateCache(); // a device backend's copy is freed here, not whenever the GC runs
        double nll = 0;
        for (int t = 0; t + 1 < text.Length; t++)
        {
            var logits = model.Forward(text[t], t, cache);
            nll += TapeKernels.LogSumExp(logits) - logits[text[t + 1]];
        }

        return Math.Exp(nll / (text.Length - 1));
    }
}
