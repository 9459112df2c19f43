namespace AgentMem.ModelHost.Training;

/// <summary>The backward pass: reverse-mode through the tape of the last forward, into LoRA and KV-prefix gradients only.</summary>
internal sealed partial class TrainingGraph<T>
{
    /// <summary>
    /// Adds the gradients of a loss whose gradient with respect to the logits is <paramref name="dLogits"/> [n × vocab] to
    /// <paramref name="loraGrad"/> (same pairs as the forward's LoRA) and <paramref name="prefixGrad"/> (same length as the
    /// forward's prefix); either may be null when its gradients are not wanted.
    /// </summary>
    public void Backward(T[] dLogits, LoraSet<T>? loraGrad, PrefixSet<T>? prefixGrad)
    {
        ArgumentNullException.ThrowIfNull(dLogits);
        var c = m.Config;
        if (n == 0)
        {
            throw new InvalidOperationException("Backward needs a Forward first.");
        }

        if (dLogits.Length != n * c.VocabSize)
        {
            throw new ArgumentException($"dLogits needs {n * c.VocabSize} values; {dLogits.Length} given.", nameof(dLogits));
        }

        if (prefixGrad is not null && prefixGrad.Length != (prefix?.Length ?? -1))
        {
            throw new ArgumentException("the prefix gradients must have the forward prefix's length.", nameof(prefixGrad));
        }

        int dim = c.Dim, kvDim = c.KvDim, hidden = c.HiddenDim;
        var dXFinal = new T[n * dim];
        TapeKernels.MatMulTransposedAdd(dXFinal, m.Classifier, 0, dLogits, n, c.VocabSize, dim, m.Transposed(m.Classifier, c.VocabSize, dim));
        var dx = new T[n * dim];
        TapeKernels.RmsNormBackwardAdd(dx, dXFinal, xLast, rFinal, m.RmsFinal, 0, n, dim);

        for (int l = c.Layers - 1; l >= 0; l--)
        {
            var lt = tape[l];

            // Feed-forward: dx is the gradient of the layer's output (= XMid + W2·g).
            var dG = new T[n * hidden];
            ProjectBackward(dG, l, LoraTarget.W2, dx, lt.G, lt, loraGrad);
            var (dH1, dH3) = SwiGluBackward(dG, lt);
            var dXn2 = new T[n * dim];
            ProjectBackward(dXn2, l, LoraTarget.W1, dH1, lt.Xn2, lt, loraGrad);
            ProjectBackward(dXn2, l, LoraTarget.W3, dH3, lt.Xn2, lt, loraGrad);
            TapeKernels.RmsNormBackwardAdd(dx, dXn2, lt.XMid, lt.R2, m.RmsFfn, l * dim, n, dim);

            // Attention: dx is now the gradient of XMid (= XIn + Wo·o).
            var dO = new T[n * dim];
            ProjectBackward(dO, l, LoraTarget.O, dx, lt.O, lt, loraGrad);
            var dQ = new T[n * dim];
            var dK = new T[n * kvDim];
            var dV = new T[n * kvDim];
            AttentionBackward(l, lt, dO, dQ, dK, dV, prefixGrad);
            T theta = T.CreateTruncating(c.RopeBase);
            for (int t = 0; t < n; t++)
            {
                Kernels.Rope(dQ.AsSpan(t * dim, dim), startPosition + t, c.HeadSize, theta, c.RopeStyle, inverse: true, c.RopeScaling);
                Kernels.Rope(dK.AsSpan(t * kvDim, kvDim), startPosition + t, c.HeadSize, theta, c.RopeStyle, inverse: true, c.RopeScaling);
            }

            // Layer 0's input is the embedding, which is frozen: its gradient is not needed, only the LoRA ones of q, k, v.
            var dXn1 = l > 0 ? new T[n * dim] : null;
            ProjectBackward(dXn1, l, LoraTarget.Q, dQ, lt.Xn1, lt, loraGrad);
            ProjectBackward(dXn1, l, LoraTarget.K, dK, lt.Xn1, lt, loraGrad);
            ProjectBackward(dXn1, l, LoraTarget.V, dV, lt.Xn1, lt, loraGrad);
            if (dXn1 is not null)
            {
                TapeKernels.RmsNormBackwardAdd(dx, dXn1, lt.XIn, lt.R1, m.RmsAtt, l * dim, n, dim);
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="Project"/>: dx += Wᵀ·dy + scale·Aᵀ·(Bᵀ·dy) (when <paramref name="dx"/> is wanted), and for an adapted
    /// target gB += scale·dy ⊗ (A·x), gA += scale·(Bᵀ·dy) ⊗ x.
    /// </summary>
    private void ProjectBackward(T[]? dx, int layer, LoraTarget target, T[] dy, T[] x, LayerTape lt, LoraSet<T>? loraGrad)
    {
        var (rows, cols) = LoraSet<T>.Shape(m.Config, target);
        if (dx is not null)
        {
            var w = m.Matrix(target);
            TapeKernels.MatMulTransposedAdd(dx, w, layer * rows * cols, dy, n, rows, cols, m.Transposed(w, rows, cols));
        }

        if (lora?.A(layer, target) is not { } a || lora.B(layer, target) is not { } b)
        {
            return;
        }

        int r = lora.Rank;
        var u = lt.LoraInputs[(int)target]!;
        var dU = new T[n * r];
        TapeKernels.MatMulTransposedAdd(dU, b, 0, dy, n, rows, r);
        TensorPrimitives.Multiply(dU, lora.Scale, dU);
        if (dx is not null)
        {
            TapeKernels.MatMulTransposedAdd(dx, a, 0, dU, n, r, cols);
        }

        if (loraGrad?.A(layer, target) is { } gA && loraGrad.B(layer, target) is { } gB)
        {
            TapeKernels.OuterProductAdd(gB, dy, u, n, rows, r, lora.Scale);
            TapeKernels.OuterProductAdd(gA, dU, x, n, r, cols, T.One);
        }
    }

    /// <summary>g = silu(h1) ⊙ h3: dh3 = dg ⊙ silu(h1), dh1 = dg ⊙ h3 ⊙ σ(h1)·(1 + h1·(1 − σ(h1))).</summary>
    private static (T[] DH1, T[] DH3) SwiGluBackward(T[] dG, LayerTape lt)
    {
        int len = dG.Length;
        var sig = new T[len];
        TensorPrimitives.Sigmoid<T>(lt.H1, sig);
        var dH3 = new T[len];
        TensorPrimitives.Multiply<T>(lt.H1, sig, dH3);
        TensorPrimitives.Multiply<T>(dH3, dG, dH3);
        var dH1 = new T[len];
        for (int i = 0; i < len; i++)
        {
            T s = sig[i];
            dH1[i] = dG[i] * lt.H3[i] * s * (T.One + (lt.H1[i] * (T.One - s)));
        }

        return (dH1, dH3);
    }

    /// <summary>
    /// Backward of <see cref="Attention"/> per key/value head (its query heads, every position), so each worker writes only its
    /// own columns of dK, dV and the prefix gradients: o = Σ a_j v_j, a = softmax(s), s_j = q·k_j/√hs.
    /// </summary>
    private void AttentionBackward(int layer, LayerTape lt, T[] dO, T[] dQ, T[] dK, T[] dV, PrefixSet<T>? prefixGrad)
    {
        var c = m.Config;
        int heads = c.Heads, hs = c.HeadSize, dim = c.Dim, kvDim = c.KvDim, kvMul = c.KvMul, p = prefix?.Length ?? 0, span = lt.Span;
        T invSqrtHs = T.One / T.Sqrt(T.CreateTruncating(hs));
        long work = (long)n * heads * (p + n) * hs * 4;
        TapeKernels.For(c.KvHeads, work, g =>
        {
            int kvOffset = g * hs;
            var da = new T[p + n];
            for (int h = g * kvMul; h < (g + 1) * kvMul; h++)
            {
                for (int t = 0; t < n; t++)
                {
                    int count = p + t + 1;
                    var att = lt.Att.AsSpan(((t * heads) + h) * span, count);
                    var dOh = dO.AsSpan((t * dim) + (h * hs), hs);
                    var q = lt.Q.AsSpan((t * dim) + (h * hs), hs);
                    var dq = dQ.AsSpan((t * dim) + (h * hs), hs);
                    for (int j = 0; j < count; j++)
                    {
                        da[j] = TensorPrimitives.Dot<T>(dOh, Row(lt.V, layer, j, kvOffset, keys: false));
                        if (GradRow(dV, prefixGrad?.Values[layer], j, kvOffset) is { IsEmpty: false } dv)
                        {
                            TensorPrimitives.MultiplyAdd(dOh, att[j], dv, dv);
                        }
                    }

                    T weighted = TensorPrimitives.Dot<T>(att, da.AsSpan(0, count));
                    for (int j = 0; j < count; j++)
                    {
                        T ds = att[j] * (da[j] - weighted) * invSqrtHs;
                        TensorPrimitives.MultiplyAdd(Row(lt.K, layer, j, kvOffset, keys: true), ds, dq, dq);
                        if (GradRow(dK, prefixGrad?.Keys[layer], j, kvOffset) is { IsEmpty: false } dk)
                        {
                            TensorPrimitives.MultiplyAdd(q, ds, dk, dk);
                        }
                    }
                }
            }
        });

        Span<T> GradRow(T[] sequence, T[]? prefixRows, int j, int kvOffset) => j < p
            ? (prefixRows is null ? [] : prefixRows.AsSpan((j * kvDim) + kvOffset, hs))
            : sequence.AsSpan(((j - p) * kvDim) + kvOffset, hs);
    }
}
