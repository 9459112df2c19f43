namespace AgentMem.Retrieval.Embeddings.Bert;

/// <summary>Options of <see cref="BertSentenceEmbedder"/>.</summary>
public sealed class BertSentenceEmbedderOptions
{
    /// <summary>Model id reported in metadata and on each embedding; default: the model folder's name.</summary>
    public string? ModelId { get; set; }

    /// <summary>Longest input in tokens ([CLS] and [SEP] included); longer texts are truncated. Default: the model's maximum (sentence-transformers models often use less, e.g. 256 for all-MiniLM-L6-v2).</summary>
    public int? MaxTokens { get; set; }

    /// <summary>Texts encoded per batch; cancellation is checked between batches and layers. Default 32.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Sequences encoded in parallel inside a batch. Default: the processor count.</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;
}
