namespace AgentMem.ModelHost.Backends;

/// <summary>
/// The attention inputs of <see cref="Tokens"/> rows: q = Wq·x, k = Wk·x, v = Wv·x (plus biases), RoPE on q and k at positions
/// <see cref="StartPosition"/>.., k and v written to their cache slots.
/// </summary>
/// <param name="X">[tokens × dim] normed inputs.</param>
/// <param name="Wqkv">The stacked q|k|v projections (<see cref="IComputeBackend.UploadStack"/>).</param>
/// <param name="Layer">Layer number.</param>
/// <param name="Bias">The layer's stacked bq|bk|bv (dim + 2·kvDim floats), or null when the model has none.</param>
/// <param name="Q">[tokens × dim] queries out.</param>
/// <param name="K">[tokens × kvDim]: the cache's key slots of these tokens.</param>
/// <param name="V">[tokens × kvDim]: the cache's value slots.</param>
/// <param name="Tokens">Number of rows.</param>
/// <param name="StartPosition">RoPE position of the first row.</param>
/// <param name="Config">The model's shape, RoPE base and style.</param>
internal readonly record struct ProjectionArgs(DeviceView X, DeviceMatrix Wqkv, int Layer, DeviceView? Bias, DeviceView Q, DeviceView K, DeviceView V, int Tokens, int StartPosition, LlamaConfig Config);
