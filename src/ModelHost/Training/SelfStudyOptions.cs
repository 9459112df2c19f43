namespace AgentMem.ModelHost.Training;

/// <summary>Settings of <see cref="SelfStudyTrainer"/>: the prefix size, the synthetic data, and the optimiser.</summary>
public sealed class SelfStudyOptions
{
    /// <summary>Entries of the trained prefix per layer (P): the cartridge's size in tokens. Required.</summary>
    public int PrefixTokens { get; set; }

    /// <summary>
    /// Self-study's optimiser by default: 200 steps, peak learning rate 0.02 (the cartridges paper's), 10 warm-up steps, no weight
    /// decay (it would pull real keys and values toward zero), gradients clipped to norm 1.
    /// </summary>
    public static OptimizerSettings DefaultOptimizer { get; } = new()
    {
        Steps = 200,
        LearningRate = 0.02f,
        WarmupSteps = 10,
        WeightDecay = 0f,
        MaxGradientNorm = 1f,
    };

    /// <summary>Steps, learning rate, warm-up, weight decay and clipping (default <see cref="DefaultOptimizer"/>).</summary>
    public OptimizerSettings Optimizer { get; set; } = DefaultOptimizer;

    /// <summary>Tokens of each synthetic training sequence, the corpus chunk that seeds it included (default 48).</summary>
    public int SequenceLength { get; set; } = 48;

    /// <summary>Sequences whose gradients are averaged into one step (default 4).</summary>
    public int SequencesPerStep { get; set; } = 4;

    /// <summary>
    /// Distinct synthetic sequences generated before training and cycled through (default 128). Generation is cheap next to
    /// training, but a fixed pool keeps the teacher's distributions computed once.
    /// </summary>
    public int SyntheticSequences { get; set; } = 128;

    /// <summary>Corpus tokens that start each synthetic sequence, from a random offset (default 16; 0 starts from nothing).</summary>
    public int ChunkSize { get; set; } = 16;

    /// <summary>Sampling temperature of the synthesis (default 1: the model's own distribution).</summary>
    public float Temperature { get; set; } = 1f;

    /// <summary>
    /// Which real entries the prefix starts from (default <see cref="SelfStudyInitialization.EvenlySpaced"/>: on stories260K it
    /// measured 4-6 times lower KL than first tokens after the same training, bench/Activation/README.md).
    /// </summary>
    public SelfStudyInitialization Initialization { get; set; } = SelfStudyInitialization.EvenlySpaced;

    /// <summary>Seed of the chunk offsets and the samplers (any value, 0 included): the same seed, corpus and model give the same cartridge.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>
    /// A copy of these settings, which changes to this object do not reach (every member is a value, or the immutable
    /// <see cref="OptimizerSettings"/> record, shared).
    /// </summary>
    internal SelfStudyOptions Copy() => (SelfStudyOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        OptionsGuard.Check(PrefixTokens >= 2, PrefixTokens, "must be at least 2 (the first and the last corpus entry)");
        ArgumentNullException.ThrowIfNull(Optimizer);
        Optimizer.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(SequenceLength, 2, nameof(SequenceLength));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SequencesPerStep, nameof(SequencesPerStep));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SyntheticSequences, nameof(SyntheticSequences));
        OptionsGuard.Check(ChunkSize >= 0 && ChunkSize < SequenceLength, ChunkSize, $"must be at least 0 and shorter than the {SequenceLength}-token sequence, so something is sampled");
        OptionsGuard.Check(float.IsFinite(Temperature) && Temperature > 0f, Temperature, "must be positive (0 would make every sequence from one chunk identical)");
        OptionsGuard.Defined(Initialization);
    }
}
