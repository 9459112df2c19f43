using AgentMem.MemoryCore;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using Microsoft.Extensions.Logging;

namespace AgentMem.Server.Hosting;

/// <summary>The service's view of the background embedder: the default retriever's state, and resuming its work at start.</summary>
internal static class EmbeddingQueue
{
    /// <summary>The retrieval state behind the default retriever, when it is a hybrid one (it holds the embedding queue).</summary>
    public static RetrievalState? Of(MemoryOS memory) => (memory.Retriever as HybridRetriever)?.State;

    /// <summary>Queues, tenant by tenant, the memories a previous run left without a vector; failures are logged, not thrown.</summary>
    public static async Task ResumeAsync(RetrievalState state, IReadOnlyList<string> tenants, ILogger log, CancellationToken cancellationToken)
    {
        foreach (string tenant in tenants)
        {
            try
            {
                long queued = await state.ResumeEmbeddingAsync(tenant, cancellationToken).ConfigureAwait(false);
                if (queued > 0 && log.IsEnabled(LogLevel.Information))
                {
                    log.LogInformation("Resumed background embedding: {Queued} memories of tenant {Tenant} were waiting for a vector.", queued, tenant);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Could not resume background embedding for tenant {Tenant}; its memories are queued when their cube is next searched.", tenant);
            }
        }
    }
}
