using System.Numerics;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// KL(teacher ‖ student) per position, Σ_v p_T(v)·(log p_T(v) − log p_S(v)), averaged over the positions from
/// <see cref="FirstPosition"/> on: distillation toward given teacher distributions (e.g. the same model with the full context
/// in front, when training a short KV prefix to stand in for it).
/// </summary>
public sealed class KlDivergenceLoss : TrainingLoss
{
    private readonly float[] teacher;
    private readonly int vocab;

    /// <summary>
    /// <paramref name="teacherProbabilities"/> is [positions × <paramref name="vocabSize"/>], one distribution per sequence
    /// position (rows before <paramref name="firstPosition"/> are ignored).
    /// </summary>
    /// <exception cref="ArgumentException">The array is not a whole number of rows, or a probability is negative.</exception>
    public KlDivergenceLoss(float[] teacherProbabilities, int vocabSize, int firstPosition = 0)
        : this(teacherProbabilities, vocabSize, firstPosition, copy: true)
    {
    }

    // copy: false takes the array over (FromLogits's own softmax, which nothing else holds), so the teacher of a long sequence
    // over a large vocabulary is not held twice at once.
    private KlDivergenceLoss(float[] teacherProbabilities, int vocabSize, int firstPosition, bool copy)
    {
        ArgumentNullException.ThrowIfNull(teacherProbabilities);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        if (teacherProbabilities.Length == 0 || teacherProbabilities.Length % vocabSize != 0)
        {
            throw new ArgumentException($"the teacher needs a whole number of rows of {vocabSize}; {teacherProbabilities.Length} values given.", nameof(teacherProbabilities));
        }

        if (TensorPrimitives.Min(teacherProbabilities) < 0f)
        {
            throw new ArgumentException("probabilities cannot be negative.", nameof(teacherProbabilities));
        }

        teacher = copy ? (float[])teacherProbabilities.Clone() : teacherProbabilities;
        vocab = vocabSize;
        Positions = teacherProbabilities.Length / vocabSize;
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(firstPosition, Positions);
        FirstPosition = firstPosition;
    }

    /// <summary>Number of sequence positions the teacher covers.</summary>
    public int Positions { get; }

    /// <summary>First position that counts.</summary>
    public int FirstPosition { get; }

    /// <summary>The teacher given as logits [positions × vocab]: each row goes through softmax(logits / temperature).</summary>
    public static KlDivergenceLoss FromLogits(float[] teacherLogits, int vocabSize, int firstPosition = 0, float temperature = 1f)
    {
        ArgumentNullException.ThrowIfNull(teacherLogits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        var p = new float[teacherLogits.Length];
        TensorPrimitives.Divide(teacherLogits, temperature, p);
        for (int row = 0; row + vocabSize <= p.Length; row += vocabSize)
        {
            Kernels.Softmax(p.AsSpan(row, vocabSize));
        }

        return new KlDivergenceLoss(p, vocabSize, firstPosition, copy: false);
    }

    internal override T Evaluate<T>(ReadOnlySpan<T> logits, int positions, int vocab, Span<T> dLogits)
    {
        if (positions != Positions || vocab != this.vocab)
        {
            throw new ArgumentException($"the teacher is [{Positions} × {this.vocab}]; the logits are [{positions} × {vocab}].", nameof(positions));
        }

        dLogits.Clear();
        T inverseCount = T.One / T.CreateTruncating(positions - FirstPosition);
        T loss = T.Zero;
        for (int t = FirstPosition; t < positions; t++)
        {
            var row = logits.Slice(t * vocab, vocab);
            var pT = teacher.AsSpan(t * vocab, vocab);
            T lse = TapeKernels.LogSumExp(row);
            T mass = T.Zero;
            for (int v = 0; v < vocab; v++)
            {
                T p = T.CreateTruncating(pT[v]);
                mass += p;
                if (p > T.Zero)
                {
                    loss += p * (T.Log(p) - (row[v] - lse));
                }
            }

            // d/dlogit_v of −Σ_u p_T(u)·log p_S(u) = p_S(v)·Σ_u p_T(u) − p_T(v): exact even if the teacher's mass is not quite 1.
            var d = dLogits.Slice(t * vocab, vocab);
            row.CopyTo(d);
            TapeKernels.Softmax(d);
            for (int v = 0; v < vocab; v++)
            {
                d[v] = ((d[v] * mass) - T.CreateTruncating(pT[v])) * inverseCount;
            }
        }

        return loss * inverseCount;
    }
}
