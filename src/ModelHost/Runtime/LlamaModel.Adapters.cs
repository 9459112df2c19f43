using AgentMem.ModelHost.Backends.Cpu;

namespace AgentMem.ModelHost;

/// <summary>LoRA adapters: attached to a view of the weights (no merging), or merged into the weights and taken out again.</summary>
public sealed partial class LlamaModel
{
    private const string CpuOnly = "LoRA adapters run on the CPU backend only: the ILGPU backend has no adapter kernels yet and keeps its own device copy of the weights. Load the model with the CPU backend to attach or merge adapters.";

    // What every view of the same weights shares: the fingerprint of the weights as loaded and the adapters merged into them.
    private readonly WeightState shared = new();
    private readonly IReadOnlyList<LoraAdapter> adapters = [];
    private readonly byte[][] adapterIds = [];

    /// <summary>A view of <paramref name="source"/>'s weights (no copy) with exactly <paramref name="attached"/> attached.</summary>
    private LlamaModel(LlamaModel source, IReadOnlyList<LoraAdapter> attached)
    {
        (Config, Quantization, w, backend, shared) = (source.Config, source.Quantization, source.w, source.backend, source.shared);
        (wq, wk, wv, wo, w1, w2, w3, classifier) = (source.wq, source.wk, source.wv, source.wo, source.w1, source.w2, source.w3, source.classifier);
        (dClassifier, rmsAtt, rmsFfn, rmsFinal, qkvBias) = (source.dClassifier, source.rmsAtt, source.rmsFfn, source.rmsFinal, source.qkvBias);
        adapters = attached;
        adapterIds = [.. attached.Select(a => a.ComputeId())];

        // The CPU backend multiplies stacked parts one by one, so each part can carry its own adapters (see CpuLoraMatrix).
        DeviceMatrix Adapt(WeightMatrix m, LoraTarget t) => attached.Any(a => a.Adapts(t)) ? new CpuLoraMatrix(m, attached, t) : m;
        dwqkv = new CpuStack([Adapt(wq, LoraTarget.Q), Adapt(wk, LoraTarget.K), Adapt(wv, LoraTarget.V)]);
        dwo = Adapt(wo, LoraTarget.O);
        dw13 = new CpuStack([Adapt(w1, LoraTarget.W1), Adapt(w3, LoraTarget.W3)]);
        dw2 = Adapt(w2, LoraTarget.W2);
    }

    /// <summary>The adapters attached to this view (empty for a model as loaded).</summary>
    public IReadOnlyList<LoraAdapter> Adapters => adapters;

    /// <summary>The adapters merged into the weights (shared by every view of them), in merge order.</summary>
    public IReadOnlyList<LoraAdapter> MergedAdapters
    {
        get
        {
            lock (shared)
            {
                return [.. shared.Merged.Select(m => m.Adapter)];
            }
        }
    }

    /// <summary>
    /// A model that shares these weights (no copy) and computes every adapted projection as W·x + Σ (alpha/r)·B·(A·x) over
    /// <paramref name="attached"/> (several adapters are summed), in decode and batched prefill alike; exactly these adapters,
    /// replacing any this view had (none: the plain weights again). The base model is unchanged and stays usable, so one loaded
    /// model can serve different adapters at once. An adapted view's <see cref="GetFingerprint"/> differs from the base's, so
    /// KV cartridges made with adapters are not mistaken for plain ones.
    /// </summary>
    /// <exception cref="ModelFormatException">An adapter was trained on another model or for another shape.</exception>
    /// <exception cref="ArgumentException">An adapter holds NaN, an infinity or a value beyond ±<see cref="LoraAdapter.MaxMagnitude"/>
    /// (every logit would be NaN).</exception>
    /// <exception cref="NotSupportedException">The model runs on the ILGPU backend (adapters are CPU-only for now).</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public LlamaModel WithAdapters(params IReadOnlyList<LoraAdapter> attached)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(attached);
        if (!backend.IsHostMemory)
        {
            throw new NotSupportedException(CpuOnly);
        }

        foreach (var adapter in attached)
        {
            ArgumentNullException.ThrowIfNull(adapter, nameof(attached));
            adapter.EnsureFits(this);
            adapter.EnsureUsable(nameof(attached));
        }

        return new LlamaModel(this, [.. attached]);
    }

    /// <summary>
    /// Folds <paramref name="adapter"/> into the weights: W += (alpha/r)·B·A for each target and layer, so it costs nothing per
    /// token afterwards. Changes the weights every view of this model shares; do not run it while a forward pass is running.
    /// <see cref="Unmerge"/> takes it out again to float rounding: each weight comes back within one rounding step of the merged
    /// weight W + (alpha/r)·B·A, which for an update the size of the weights (a trained adapter's) is within a rounding step
    /// of W; an update far larger than the weights takes their low bits with it, so attach such an adapter instead.
    /// </summary>
    /// <exception cref="ModelFormatException">The adapter was trained on another model or for another shape.</exception>
    /// <exception cref="ArgumentException">The adapter holds NaN, an infinity or a value beyond ±<see cref="LoraAdapter.MaxMagnitude"/>,
    /// or a merged weight would not be finite (the model's own weight there is not): merged, it would leave NaN or an infinity
    /// in the weights for good (unmerging cannot take it out); the weights are left as they are.</exception>
    /// <exception cref="NotSupportedException">The weights are int8 (they cannot hold the sum), or the backend is ILGPU.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void Merge(LoraAdapter adapter) => Fold(adapter, merge: true);

    /// <summary>Takes a merged adapter (this one, or one with the same content) back out of the weights: W -= (alpha/r)·B·A.</summary>
    /// <exception cref="InvalidOperationException">No adapter with this content is merged.</exception>
    /// <exception cref="NotSupportedException">The weights are int8, or the backend is ILGPU.</exception>
    /// <exception cref="ObjectDisposedException">The model is disposed.</exception>
    public void Unmerge(LoraAdapter adapter) => Fold(adapter, merge: false);

    /// <summary>The fingerprint an adapter trained on this model carries: that of the weights as loaded, without adapters.</summary>
    internal byte[] AdapterFingerprint() => (byte[])BaseFingerprint().Clone();

    /// <summary>
    /// True when an adapter bound to <paramref name="fingerprint"/> fits: this model's weights as loaded, or (for int8 weights)
    /// the float model they were quantised from, since a low-rank update applies to either.
    /// </summary>
    internal bool AcceptsAdapterFingerprint(ReadOnlySpan<byte> fingerprint) =>
        fingerprint.SequenceEqual(BaseFingerprint()) || (shared.FloatFingerprint is { } f && fingerprint.SequenceEqual(f));

    private byte[] BaseFingerprint()
    {
        ThrowIfDisposed();
        lock (shared)
        {
            return shared.BaseFingerprint ??= ComputeFingerprint();
        }
    }

    private byte[] EffectiveFingerprint()
    {
        byte[] baseHash = BaseFingerprint();
        List<byte[]> ids;
        lock (shared)
        {
            ids = [.. adapterIds, .. shared.Merged.Select(m => m.Id)];
        }

        if (ids.Count == 0)
        {
            return (byte[])baseHash.Clone();
        }

        // Sorted: the update is a sum, so the order adapters are attached or merged in does not change what the model computes.
        ids.Sort((x, y) => x.AsSpan().SequenceCompareTo(y));
        return Tag(baseHash, "lora", [.. ids.SelectMany(id => id)]);
    }

    private void Fold(LoraAdapter adapter, bool merge)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(adapter);
        if (!backend.IsHostMemory)
        {
            throw new NotSupportedException(CpuOnly);
        }

        if (Quantization != WeightQuantization.None)
        {
            throw new NotSupportedException($"cannot {(merge ? "merge a LoRA adapter into" : "unmerge a LoRA adapter from")} {Quantization} weights: int8 rows cannot hold W + scale·B·A without requantising, which could not be undone. Attach the adapter with WithAdapters instead, or load the model as float32.");
        }

        adapter.EnsureFits(this);
        if (merge)
        {
            // NaN − NaN is NaN: once folded in, no unmerge gives the weights back.
            adapter.EnsureUsable(nameof(adapter));
        }

        byte[] id = adapter.ComputeId();
        lock (shared)
        {
            // Taken from the weights as loaded, before the first merge changes the weights it samples.
            _ = shared.BaseFingerprint ??= ComputeFingerprint();
            int index = shared.Merged.FindIndex(m => m.Id.AsSpan().SequenceEqual(id));
            if (!merge && index < 0)
            {
                throw new InvalidOperationException("this LoRA adapter is not merged into the model (or its tensors changed since it was merged).");
            }

            if (merge)
            {
                // Every target before the first row changes, so a refused merge leaves the weights as they were. With A, B and the
                // scale within LoraAdapter.MaxMagnitude an entry of the update is finite and at most about 4e15, and a finite
                // float plus that rounds to a finite float (float.MaxValue's rounding step is 2e31): a folded row is finite
                // exactly when the row is, so the weights are checked rather than the update computed twice.
                foreach (var target in adapter.Targets)
                {
                    if (NonFiniteLayer(Matrix(target)) is int layer)
                    {
                        throw new ArgumentException($"{adapter.Origin}: cannot merge it: the model's weights of {target} in layer {layer} hold NaN or an infinity, so W + scale·B·A there would not be finite either, and no unmerge could take it out again. The weights are left as they are.", nameof(adapter));
                    }
                }
            }

            foreach (var target in adapter.Targets)
            {
                FoldTarget(Matrix(target), adapter, target, merge);
            }

            if (merge)
            {
                shared.Merged.Add((adapter, id));
            }
            else
            {
                shared.Merged.RemoveAt(index);
            }
        }
    }

    private WeightMatrix Matrix(LoraTarget target) => target switch
    {
        LoraTarget.Q => wq,
        LoraTarget.K => wk,
        LoraTarget.V => wv,
        LoraTarget.O => wo,
        LoraTarget.W1 => w1,
        LoraTarget.W2 => w2,
        LoraTarget.W3 => w3,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>The first layer of <paramref name="m"/> holding a weight that is NaN or infinite, or null.</summary>
    private static int? NonFiniteLayer(WeightMatrix m)
    {
        float[] weights = m.Floats!;
        int size = m.Rows * m.Cols;
        for (int l = 0; l < m.Layers; l++)
        {
            if (!TensorPrimitives.IsFiniteAll<float>(weights.AsSpan((int)((long)l * size), size)))
            {
                return l;
            }
        }

        return null;
    }

    /// <summary>W[layer] ± scale·B·A, row by row: the same update row is computed both ways, so unmerging undoes merging to rounding.</summary>
    private static void FoldTarget(WeightMatrix m, LoraAdapter adapter, LoraTarget target, bool merge)
    {
        float[] weights = m.Floats!;
        int rows = m.Rows, cols = m.Cols, r = adapter.Rank;
        float scale = adapter.Scale;
        var delta = new float[cols];
        for (int l = 0; l < m.Layers; l++)
        {
            float[] a = adapter.GetA(target, l), b = adapter.GetB(target, l);
            var layer = weights.AsSpan((int)((long)l * rows * cols), rows * cols);
            for (int i = 0; i < rows; i++)
            {
                Array.Clear(delta);
                for (int j = 0; j < r; j++)
                {
                    TensorPrimitives.MultiplyAdd(a.AsSpan(j * cols, cols), scale * b[(i * r) + j], delta, delta);
                }

                var row = layer.Slice(i * cols, cols);
                if (merge)
                {
                    TensorPrimitives.Add(row, delta, row);
                }
                else
                {
                    TensorPrimitives.Subtract(row, delta, row);
                }
            }
        }
    }

    /// <summary>State shared by a model and its adapter views: they read the same weight arrays.</summary>
    private sealed class WeightState
    {
        public byte[]? BaseFingerprint { get; set; }

        public byte[]? FloatFingerprint { get; set; }

        public List<(LoraAdapter Adapter, byte[] Id)> Merged { get; } = [];
    }
}
