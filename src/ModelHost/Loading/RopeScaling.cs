namespace AgentMem.ModelHost;

/// <summary>
/// Llama 3.1's RoPE frequency scaling (<c>rope_scaling</c> with <c>rope_type</c> <c>llama3</c> in a Hugging Face
/// <c>config.json</c>), which stretches a model trained on <see cref="OriginalContext"/> positions to a longer context:
/// pairs that turn fast (wavelength under <see cref="OriginalContext"/> / <see cref="HighFrequencyFactor"/>) keep their
/// frequency, slow ones (wavelength over <see cref="OriginalContext"/> / <see cref="LowFrequencyFactor"/>) turn
/// <see cref="Factor"/> times slower, and those between are blended linearly in <c>OriginalContext / wavelength</c>.
/// Only the frequencies change; attention is not rescaled.
/// </summary>
/// <param name="Factor">How many times slower the slow pairs turn (8 for Llama 3.1, 32 for Llama 3.2).</param>
/// <param name="LowFrequencyFactor">Sets the wavelength above which a pair is slow: <see cref="OriginalContext"/> / this.</param>
/// <param name="HighFrequencyFactor">Sets the wavelength below which a pair is fast: <see cref="OriginalContext"/> / this; greater than <see cref="LowFrequencyFactor"/>.</param>
/// <param name="OriginalContext">The context the model was pre-trained on (<c>original_max_position_embeddings</c>, 8192 for Llama 3).</param>
public sealed record RopeScaling(double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalContext)
{
    /// <summary>Throws <see cref="ArgumentException"/> for values the formula cannot use.</summary>
    public void Validate()
    {
        if (!(Factor >= 1) || !(LowFrequencyFactor > 0) || !(HighFrequencyFactor > LowFrequencyFactor) || OriginalContext <= 0 || double.IsInfinity(HighFrequencyFactor) || double.IsInfinity(Factor))
        {
            throw new ArgumentException($"RoPE scaling needs factor ≥ 1, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0; got factor {Factor}, low {LowFrequencyFactor}, high {HighFrequencyFactor}, original {OriginalContext}.");
        }
    }

    /// <summary>This scaling when <see cref="Validate"/> accepts it; else a <see cref="ModelFormatException"/> that starts with <paramref name="source"/> (the file the values came from).</summary>
    internal RopeScaling ValidatedFrom(string source)
    {
        try
        {
            Validate();
            return this;
        }
        catch (ArgumentException ex)
        {
            throw new ModelFormatException($"{source}: {ex.Message}");
        }
    }

    /// <summary>The scaled version of one pair's inverse frequency (radians per position).</summary>
    public T Scale<T>(T inverseFrequency)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T wavelength = T.CreateTruncating(2 * Math.PI) / inverseFrequency;
        T context = T.CreateTruncating(OriginalContext);
        T low = T.CreateTruncating(LowFrequencyFactor);
        T high = T.CreateTruncating(HighFrequencyFactor);
        T factor = T.CreateTruncating(Factor);
        if (wavelength < context / high)
        {
            return inverseFrequency;
        }

        if (wavelength > context / low)
        {
            return inverseFrequency / factor;
        }

        T smooth = ((context / wavelength) - low) / (high - low);
        return ((T.One - smooth) * inverseFrequency / factor) + (smooth * inverseFrequency);
    }
}
