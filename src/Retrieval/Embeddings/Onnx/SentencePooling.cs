namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>How a sentence vector is made from the encoder's token vectors, as the model card says.</summary>
public enum SentencePooling
{
    /// <summary>The first token's vector ([CLS]): arctic-embed.</summary>
    Cls,

    /// <summary>The mean of the real (unpadded) tokens' vectors: all-MiniLM-L6-v2 and most sentence-transformers.</summary>
    Mean,
}
