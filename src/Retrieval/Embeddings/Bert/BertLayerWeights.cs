namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>The weights of one transformer layer; matrices are PyTorch Linear weights, row-major [out, in].</summary>
internal sealed record BertLayerWeights(
    float[] QueryWeight, float[] QueryBias,
    float[] KeyWeight, float[] KeyBias,
    float[] ValueWeight, float[] ValueBias,
    float[] AttentionOutputWeight, float[] AttentionOutputBias,
    float[] AttentionNormWeight, float[] AttentionNormBias,
    float[] IntermediateWeight, float[] IntermediateBias,
    float[] OutputWeight, float[] OutputBias,
    float[] OutputNormWeight, float[] OutputNormBias);
