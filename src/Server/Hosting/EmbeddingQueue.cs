namespace AgentMem.Server.Hosting;

/// <summary>Resumes, at start, the embedding work a previous run of the service left.</summary>
internal static class EmbeddingQueue
{
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
