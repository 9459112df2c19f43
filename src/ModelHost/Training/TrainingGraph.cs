using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AgentMem.ModelHost.Training;

/// <summary>
/// The LLaMA forward pass over a whole token sequence (teacher forcing) that keeps every activation the backward pass needs
/// (the tape), and that backward pass (<see cref="Backward"/>), generic over the precision: float to train, double to check
/// gradients against finite differences. Computes what <see cref="LlamaModel"/> computes — embedding, RMSNorm, q/k/v with
/// optional biases, RoPE in either layout, grouped-query attention, SwiGLU, tied or separate classifier — plus LoRA pairs on
/// any projection and a KV prefix (a cartridge: keys after RoPE and values per layer) that every position attends to before
/// the causal sequence. Base weights are frozen: only LoRA and prefix gradients are produced.
/// One graph holds one tape: not thread-safe; <see cref="Backward"/> differentiates the last <see cref="Forward"/>.
/// </summary>
internal sealed partial class TrainingGraph<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ModelTensors<T> m;
    private readonly LayerTape[] tape;
    private int n;
    private int startPosition;
    private LoraSet<T>? lora;
    private PrefixSet<T>? prefix;
    private T[] xLast = [];
    private T[] rFinal = [];
    private T[] xFinal = [];

    public TrainingGraph(ModelTensors<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        m = model;
        tape = new LayerTape[model.Config.Layers];
    }

    public LlamaConfig Config => m.Config;

    /// <summary>Logits [n × vocab] of the last <see cref="Forward"/> (the tape's array, overwritten by the next).</summary>
    public T[] Logits { get; private set; } = [];

    /// <summary>Number of positions of the last <see cref="Forward"/>.</summary>
    public int Positions => n;

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions <paramref name="start"/>, +1, … after <paramref name="prefix"/> (when given),
    /// with <paramref name="lora"/> applied (when given), and returns the logits [n × vocab] of every position.
    /// </summary>
    public T[] Forward(ReadOnlySpan<int> tokens, int start, LoraSet<T>? lora, PrefixSet<T>? prefix)
    {
        var c = m.Config;
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("at least one token is needed.", nameof(tokens));
        }

        c.CheckTokens(tokens, nameof(tokens));

        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (lora is not null && (lora.Config.Layers != c.Layers || lora.Config.Dim != c.Dim || lora.Config.KvDim != c.KvDim || lora.Config.HiddenDim != c.HiddenDim))
        {
            throw new ArgumentException("the LoRA parameters were made for a model of another shape.", nameof(lora));
        }

        if (prefix is not null && (prefix.Keys.Length != c.Layers || prefix.Keys[0].Length != prefix.Length * c.KvDim))
        {
            throw new ArgumentException("the KV prefix was made for a model of another shape.", nameof(prefix));
        }

        // Checked in 64 bits before anything is allocated: tokens × heads × span (attention) or tokens × vocab wrap in int.
        long largest = Math.Max((long)tokens.Length * c.Heads * ((prefix?.Length ?? 0) + tokens.Length), (long)tokens.Length * Math.Max(c.VocabSize, Math.Max(c.Dim, c.HiddenDim)));
        if (largest > Array.MaxLength)
        {
            throw new ArgumentException($"a {tokens.Length}-token training sequence (after a {prefix?.Length ?? 0}-entry prefix) needs arrays of {largest} values; one array holds at most {Array.MaxLength}. Train on shorter sequences.", nameof(tokens));
        }

        EnsureTapeFits(c, tokens.Length, prefix?.Length ?? 0, gradients: false, nameof(tokens));
        this.lora = lora;
        this.prefix = prefix;
        n = tokens.Length;
        startPosition = start;
        int dim = c.Dim, kvDim = c.KvDim, hidden = c.HiddenDim, span = (prefix?.Length ?? 0) + n;
        T eps = T.CreateTruncating(c.NormEpsilon);
        if (tape[0] is not { } first || first.N != n || first.Span != span)
        {
            // A new shape: new buffers. Steps over the same sequence and prefix length reuse them (each is fully rewritten
            // below), which keeps a training loop from allocating the tape, large-object-heap arrays included, every step.
            for (int l = 0; l < c.Layers; l++)
            {
                tape[l] = new LayerTape(n, dim, kvDim, hidden, c.Heads, span);
            }

            xLast = new T[n * dim];
            rFinal = new T[n];
            xFinal = new T[n * dim];
            Logits = new T[n * c.VocabSize];
        }

        var x = tape[0].XIn;
        for (int t = 0; t < n; t++)
        {
            m.Embedding.AsSpan(tokens[t] * dim, dim).CopyTo(x.AsSpan(t * dim, dim));
        }

        var delta = new T[n * dim];
        for (int l = 0; l < c.Layers; l++)
        {
            var lt = tape[l];
            Array.Clear(lt.LoraInputs);
            TapeKernels.RmsNorm(lt.Xn1, lt.R1, x, m.RmsAtt, l * dim, n, dim, eps);
            Project(lt.Q, l, LoraTarget.Q, m.Bq, lt.Xn1, lt);
            Project(lt.K, l, LoraTarget.K, m.Bk, lt.Xn1, lt);
            Project(lt.V, l, LoraTarget.V, m.Bv, lt.Xn1, lt);
            T theta = T.CreateTruncating(c.RopeBase);
            for (int t = 0; t < n; t++)
            {
                Kernels.Rope(lt.Q.AsSpan(t * dim, dim), start + t, c.HeadSize, theta, c.RopeStyle, inverse: false, c.RopeScaling);
                Kernels.Rope(lt.K.AsSpan(t * kvDim, kvDim), start + t, c.HeadSize, theta, c.RopeStyle, inverse: false, c.RopeScaling);
            }

            Attention(l, lt);
            Project(delta, l, LoraTarget.O, null, lt.O, lt);
            TensorPrimitives.Add<T>(x, delta, lt.XMid);

            TapeKernels.RmsNorm(lt.Xn2, lt.R2, lt.XMid, m.RmsFfn, l * dim, n, dim, eps);
            Project(lt.H1, l, LoraTarget.W1, null, lt.Xn2, lt);
            Project(lt.H3, l, LoraTarget.W3, null, lt.Xn2, lt);

            // g = silu(h1) ⊙ h3 in Kernels.SwiGlu's order: h1·σ(h1), then ·h3.
            TensorPrimitives.Sigmoid<T>(lt.H1, lt.G);
            TensorPrimitives.Multiply<T>(lt.H1, lt.G, lt.G);
            TensorPrimitives.Multiply<T>(lt.G, lt.H3, lt.G);
            Project(delta, l, LoraTarget.W2, null, lt.G, lt);
            x = l + 1 < c.Layers ? tape[l + 1].XIn : xLast;
            TensorPrimitives.Add<T>(lt.XMid, delta, x);
        }

        TapeKernels.RmsNorm(xFinal, rFinal, xLast, m.RmsFinal, 0, n, dim, eps);
        TapeKernels.MatMul(Logits, m.Classifier, 0, xFinal, n, c.VocabSize, dim);
        return Logits;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when the tape of an <paramref name="n"/>-token sequence after a
    /// <paramref name="p"/>-entry prefix (every layer's activations and attention weights, n × heads × (p + n) of them per layer,
    /// and the logits), beside the frozen weights and, when <paramref name="gradients"/> are taken, the transposed copies of the
    /// matrices the backward pass makes (<see cref="ModelBytes"/>), would take more bytes than the process can use
    /// (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: physical memory, or the container's or GC heap's limit). Each
    /// array alone fitting <see cref="Array.MaxLength"/> said nothing about their sum: 8,192-token windows of SmolLM2-135M need
    /// about 80 GB (72 GB of attention weights) and ended in an out-of-memory kill; and with the tape alone counted, a run
    /// whose weights and transposes filled the rest died out of memory at its first backward pass. <paramref name="trained"/>,
    /// when given, is what the trained parameters hold beside them (a LoRA run's pairs with their gradients and optimiser state:
    /// rank 4096 on every target of SmolLM2-135M is about 25 GB, which passed the check and then ran out of memory).
    /// </summary>
    internal static void EnsureTapeFits(LlamaConfig c, int n, int p, bool gradients, string paramName, TrainedStateBytes? trained = null)
        => EnsureTapeFits(c, n, p, gradients, paramName, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, trained);

    /// <summary>
    /// <see cref="EnsureTapeFits(LlamaConfig, int, int, bool, string, TrainedStateBytes?)"/> against <paramref name="available"/>
    /// bytes (0 or less: unknown, nothing refused).
    /// </summary>
    internal static void EnsureTapeFits(LlamaConfig c, int n, int p, bool gradients, string paramName, long available, TrainedStateBytes? trained = null)
    {
        double tape = TapeBytes(c, n, p);
        double model = ModelBytes(c, gradients);
        double state = trained?.Bytes ?? 0;
        if (available <= 0 || tape + model + state <= available)
        {
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        string held = gradients ? "the model's weights and the transposed copy of its matrices the backward pass makes" : "the model's weights";
        string message;
        if (model > available)
        {
            message = string.Create(inv, $"training needs {held}, about {model / 1e9:F1} GB whatever the sequence length, more than the {available / 1e9:F1} GB this process can use. Train with more memory (a larger container or GC heap limit) or a smaller model.");
        }
        else if (trained is { } t && model + state > available)
        {
            // No sequence length helps: what the run trains is too large beside the weights.
            message = string.Create(inv, $"training needs {t.Description}, about {state / 1e9:F1} GB whatever the sequence length, beside {model / 1e9:F1} GB of {held}: more than the {available / 1e9:F1} GB this process can use. {t.Remedy}");
        }
        else
        {
            string beside = trained is { } s ? $"{(model + state) / 1e9:F1} GB of {held} and {s.Description}" : $"{model / 1e9:F1} GB of {held}";
            message = string.Create(inv, $"a {n}-token training sequence (after a {p}-entry prefix) needs about {tape / 1e9:F1} GB of activations over the model's {c.Layers} layers, beside {beside}: more than the {available / 1e9:F1} GB this process can use. Use a shorter SequenceLength (the CLI's --seq-len).");
        }

        throw new ArgumentException(message, paramName);
    }

    /// <summary>
    /// Bytes held beside the tape: the frozen weights (<see cref="ModelTensors{T}.WeightBytes"/>) and, when
    /// <paramref name="gradients"/> are taken, the transposed copies the backward pass caches (<see cref="ModelTensors{T}.TransposedBytes"/>).
    /// </summary>
    internal static double ModelBytes(LlamaConfig c, bool gradients)
        => ModelTensors<T>.WeightBytes(c) + (gradients ? ModelTensors<T>.TransposedBytes(c) : 0);

    /// <summary>Bytes of the tape <see cref="EnsureTapeFits(LlamaConfig, int, int, bool, string, TrainedStateBytes?)"/> checks: an <paramref name="n"/>-token sequence after a <paramref name="p"/>-entry prefix.</summary>
    internal static double TapeBytes(LlamaConfig c, int n, int p)
    {
        long perLayer = (((6L * c.Dim) + (2L * c.KvDim) + (3L * c.HiddenDim) + 2) * n) + ((long)n * c.Heads * (p + n));
        long values = (c.Layers * perLayer) + (((2L * c.Dim) + 1 + c.VocabSize) * n);
        return (double)values * Unsafe.SizeOf<T>();
    }

    /// <summary>y = W[layer]·x (+ bias) + scale·B·(A·x), keeping A·x on the tape for the LoRA gradients.</summary>
    private void Project(T[] y, int layer, LoraTarget target, T[]? bias, T[] x, LayerTape lt)
    {
        var (rows, cols) = LoraSet<T>.Shape(m.Config, target);
        TapeKernels.MatMul(y, m.Matrix(target), layer * rows * cols, x, n, rows, cols);
        if (bias is not null)
        {
            var b = bias.AsSpan(layer * rows, rows);
            for (int t = 0; t < n; t++)
            {
                var row = y.AsSpan(t * rows, rows);
                TensorPrimitives.Add(row, b, row);
            }
        }

        if (lora?.A(layer, target) is { } a && lora.B(layer, target) is { } bMatrix)
        {
            int r = lora.Rank;
            var u = new T[n * r];
            TapeKernels.MatMul(u, a, 0, x, n, r, cols);
            var update = new T[n * rows];
            TapeKernels.MatMul(update, bMatrix, 0, u, n, rows, r);
            TensorPrimitives.MultiplyAdd(update, lora.Scale, y, y);
            lt.LoraInputs[(int)target] = u;
        }
    }

    /// <summary>
    /// Grouped-query attention of every (position, head): over the prefix's entries, then the sequence's keys up to its own
    /// position; the weights stay on the tape.
    /// </summary>
    private void Attention(int layer, LayerTape lt)
    {
        var c = m.Config;
        int heads = c.Heads, hs = c.HeadSize, dim = c.Dim, kvMul = c.KvMul, p = prefix?.Length ?? 0, span = lt.Span;
        T invSqrtHs = T.One / T.Sqrt(T.CreateTruncating(hs));
        long work = (long)n * heads * (p + n) * hs * 2;
        TapeKernels.For(n * heads, work, i =>
        {
            int t = i / heads, h = i % heads, kvOffset = h / kvMul * hs, count = p + t + 1;
            var att = lt.Att.AsSpan(((t * heads) + h) * span, count);
            var q = lt.Q.AsSpan((t * dim) + (h * hs), hs);
            for (int j = 0; j < count; j++)
            {
                att[j] = TensorPrimitives.Dot<T>(q, Row(lt.K, layer, j, kvOffset, keys: true)) * invSqrtHs;
            }

            TapeKernels.Softmax(att);
            var o = lt.O.AsSpan((t * dim) + (h * hs), hs);
            o.Clear();
            for (int j = 0; j < count; j++)
            {
                TensorPrimitives.MultiplyAdd(Row(lt.V, layer, j, kvOffset, keys: false), att[j], o, o);
            }
        });
    }

    /// <summary>Key or value head of attention entry <paramref name="j"/>: a prefix entry below the prefix length, else a sequence row.</summary>
    private ReadOnlySpan<T> Row(T[] sequence, int layer, int j, int kvOffset, bool keys)
    {
        int kvDim = m.Config.KvDim, hs = m.Config.HeadSize, p = prefix?.Length ?? 0;
        return j < p
            ? (keys ? prefix!.Keys[layer] : prefix!.Values[layer]).AsSpan((j * kvDim) + kvOffset, hs)
            : sequence.AsSpan(((j - p) * kvDim) + kvOffset, hs);
    }

    /// <summary>One layer's saved activations, each [n × width] row per position; reused while the shape stays.</summary>
    private sealed class LayerTape(int n, int dim, int kvDim, int hidden, int heads, int span)
    {
        /// <summary>Number of positions.</summary>
        public int N { get; } = n;

        /// <summary>Attention entries per (position, head) row of <see cref="Att"/>: prefix length + n.</summary>
        public int Span { get; } = span;

        /// <summary>The residual stream entering the layer.</summary>
        public T[] XIn { get; } = new T[n * dim];

        public T[] R1 { get; } = new T[n];

        public T[] Xn1 { get; } = new T[n * dim];

        /// <summary>Queries after RoPE.</summary>
        public T[] Q { get; } = new T[n * dim];

        /// <summary>Keys after RoPE.</summary>
        public T[] K { get; } = new T[n * kvDim];

        public T[] V { get; } = new T[n * kvDim];

        /// <summary>Softmax weights [n × heads × span] (entries past a position's own are unused).</summary>
        public T[] Att { get; } = new T[n * heads * span];

        /// <summary>Attention output, heads concatenated (the input of Wo).</summary>
        public T[] O { get; } = new T[n * dim];

        /// <summary>The residual stream after attention.</summary>
        public T[] XMid { get; } = new T[n * dim];

        public T[] R2 { get; } = new T[n];

        public T[] Xn2 { get; } = new T[n * dim];

        public T[] H1 { get; } = new T[n * hidden];

        public T[] H3 { get; } = new T[n * hidden];

        public T[] G { get; } = new T[n * hidden];

        /// <summary>Per target, A·x [n × rank] of the LoRA pair (null when the target is not adapted).</summary>
        public T[]?[] LoraInputs { get; } = new T[]?[LoraSet<T>.TargetCount];
    }
}
