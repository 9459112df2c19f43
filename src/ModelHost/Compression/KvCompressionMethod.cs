namespace AgentMem.ModelHost.Compression;

/// <summary>How <see cref="KvCompressor"/> scores the slots it may drop.</summary>
public enum KvCompressionMethod
{
    /// <summary>
    /// SnapKV: attention the last <see cref="KvCompressionOptions.ObservationWindow"/> prompt tokens pay to each slot, summed over
    /// layers and heads and smoothed by average pooling, so neighbours of an important token are kept with it.
    /// </summary>
    SnapKv = 0,

    /// <summary>H2O (heavy hitters): attention each slot received from every query of the prefill, summed over layers and heads.</summary>
    H2O = 1,
}
