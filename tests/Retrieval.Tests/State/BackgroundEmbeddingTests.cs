using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.Retrieval.Embeddings;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Tests;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.State;

/// <summary>A changed (slow) embedder re-embeds in the background while search answers from the lexical signals.</summary>
public sealed class BackgroundEmbeddingTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");
    private static readonly string[] Hobbies = ["pottery", "hiking", "chess", "sailing", "piano", "camping"];

    [Fact]
    public async Task A_new_embedder_reembeds_in_the_background_with_progress_while_search_stays_lexical()
    {
        var embedder = new GatedEmbedder();
        var reports = new List<EmbeddingProgress>();
        var options = new RetrievalStateOptions { InlineEmbedLimit = 8, EmbedBatch = 16, EmbeddingProgress = new SynchronousProgress<EmbeddingProgress>(reports.Add) };
        using var state = new RetrievalState(Store, embedder, options);
        await using var os = new MemoryOS(Store, [new HybridRetriever(Store), new HybridRetriever(state, new HybridOptions { Name = "model" })]);
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", Enumerable.Range(0, 60).Select(i => new MemoryDraft($"On day {i} Ann talked about {Hobbies[i % Hobbies.Length]} with Bob") { Session = $"s{i / 10}" }).ToList());

        // The embedder is held: the search answers at once, lexically, with every memory queued.
        var hits = await os.SearchAsync(Me, "chat", "pottery", 5, retrieverName: "model");
        Assert.Equal(5, hits.Count);
        Assert.All(hits, h => Assert.Contains("pottery", h.Item.Text, StringComparison.Ordinal));
        Assert.All(hits, h => Assert.Equal(0, h.Components.GetValueOrDefault("vector")));
        Assert.Equal(60, state.PendingEmbeddings);

        embedder.Open.SetResult();
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, state.PendingEmbeddings);
        Assert.Equal(60, state.BackgroundEmbedded);
        Assert.Equal(60, (await Store.GetEmbeddingsAsync(Me.Tenant, (await os.ListCubesAsync(Me))[0].Id, state.EmbedderId, null)).Count);
        Assert.Equal(new EmbeddingProgress(0, 60), reports[^1]);
        Assert.True(reports.Count >= 4); // one per batch of 16, and the deferral

        hits = await os.SearchAsync(Me, "chat", "pottery", 5, retrieverName: "model");
        Assert.All(hits, h => Assert.True(h.Components.GetValueOrDefault("vector") > 0));

        // Persisted: another process with the same embedder embeds nothing.
        var otherStore = Stores.Sqlite.SqliteMemoryStore.Open(Path.Combine(Folder, "s.db"));
        using var again = new RetrievalState(otherStore, embedder, options);
        await using var reader = new MemoryOS(otherStore, new HybridRetriever(again));
        Assert.NotEmpty(await reader.SearchAsync(Me, "chat", "chess", 5));
        Assert.Equal(0, again.PendingEmbeddings);
        Assert.Equal(0, again.EmbeddedTexts); // documents: read back, not embedded (the query is embedded, and not counted)
        Assert.Equal(0, again.BackgroundEmbedded);
    }

    [Fact]
    public async Task A_failing_embedder_leaves_the_memories_queued_and_a_wait_retries_them()
    {
        var embedder = new GatedEmbedder { Fail = true };
        embedder.Open.SetResult();
        using var state = new RetrievalState(Store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10 });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"Note {i} about {Hobbies[i % Hobbies.Length]}")).ToList());
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "hiking", 3));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.IsType<HttpRequestException>(failure.InnerException);
        Assert.Equal(30, state.PendingEmbeddings);

        embedder.Fail = false;
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, state.PendingEmbeddings);
        Assert.Equal(30, state.BackgroundEmbedded);
    }

    [Fact]
    public async Task A_snapshot_written_while_re_embeddings_were_pending_does_not_restore_the_older_texts_vectors()
    {
        var options = new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10, SnapshotMinimum = 1, IndexDirectory = Path.Combine(Folder, "s.db.index") };
        await using var writer = new MemoryOS(Store, new HybridRetriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "chat");
        var added = await writer.AddBatchAsync(Me, "chat", Enumerable.Range(0, 10).Select(i => new MemoryDraft($"Note {i} about {Hobbies[i % Hobbies.Length]}")).ToList());
        var request = new MemoryCore.Search.SearchRequest(Me.Tenant, "hiking", new MemoryCore.Ports.MemoryFilter { CubeId = cube.Id }, 3);

        var open = new GatedEmbedder();
        open.Open.SetResult();
        using (var first = new RetrievalState(Store, open, options))
        {
            await new HybridRetriever(first).SearchAsync(request);
            await first.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(10, first.BackgroundEmbedded);
        }

        // Five texts change; their re-embedding is queued behind a held embedder when the process stops (the snapshot is
        // written on close), so the store still holds their old texts' vectors.
        for (int i = 0; i < 5; i++)
        {
            await writer.UpdateAsync(Me, added[i].Id, new MemoryChange { Text = $"Changed note {i} about gardening" });
        }

        using (var second = new RetrievalState(Store, new GatedEmbedder(), options))
        {
            await new HybridRetriever(second).SearchAsync(request);
            Assert.Equal(5, second.PendingEmbeddings);
        }

        using var third = new RetrievalState(Store, open, options);
        await new HybridRetriever(third).SearchAsync(request);
        Assert.True(third.RestoredFromSnapshot(Me.Tenant, cube.Id));
        await third.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(5, third.BackgroundEmbedded); // the five were queued again, not restored with their old vectors
    }

    [Fact]
    public async Task A_memory_changed_while_its_old_text_is_being_embedded_is_embedded_again_with_its_new_text()
    {
        var embedder = new GatedEmbedder();
        using var state = new RetrievalState(Store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10 });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");
        var added = await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann took up pottery"), new MemoryDraft("Bob went sailing")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery", 3));
        await embedder.Entered.Task.WaitAsync(TimeSpan.FromMinutes(2)); // both old texts are in the embedder

        // The catch-up queues Bob's new text while his old one is still being embedded: the end of that batch (whose old
        // vector is rightly not used) dropped the new request too, so Bob never had a vector until a restart.
        await os.UpdateAsync(Me, added[1].Id, new MemoryChange { Text = "Bob went hiking" });
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "hiking", 3));
        embedder.Open.SetResult();
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(3, state.EmbeddedTexts);
        Assert.Equal(0, state.PendingEmbeddings);
        var hit = (await os.SearchAsync(Me, "chat", "hiking", 1))[0];
        Assert.Equal(added[1].Id, hit.Item.Id);
        Assert.True(hit.Components.GetValueOrDefault("vector") > 0);
    }

    [Fact]
    public async Task After_a_failed_batch_the_background_embedder_tries_again_by_itself_and_clears_the_error_once_a_batch_succeeds()
    {
        // A service never calls WaitForEmbeddingsAsync: one outage stopped every vector of every cube until a restart.
        var embedder = new GatedEmbedder { Fail = true };
        embedder.Open.SetResult();
        using var state = new RetrievalState(Store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10, FirstEmbedRetryDelay = TimeSpan.FromMilliseconds(20) });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann took up pottery"), new MemoryDraft("Bob went sailing")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery", 3));
        await Until(() => state.BackgroundEmbeddingError is not null);
        Assert.IsType<HttpRequestException>(state.BackgroundEmbeddingError);

        // The endpoint is back; new memories in another cube and in the first one are queued while the error stands.
        embedder.Fail = false;
        await os.CreateCubeAsync(Me, "work");
        await os.AddBatchAsync(Me, "work", [new MemoryDraft("The launch moved to May"), new MemoryDraft("Carol owns the budget")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "work", "launch", 3));
        await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann went hiking in the Alps")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "hiking", 3));

        await Until(() => state.BackgroundEmbedded == 5);
        Assert.Equal(0, state.PendingEmbeddings);
        Assert.Null(state.BackgroundEmbeddingError);
        var hit = (await os.SearchAsync(Me, "chat", "pottery", 1))[0];
        Assert.True(hit.Components.GetValueOrDefault("vector") > 0);
    }

    [Fact]
    public async Task A_memory_the_embedder_refuses_is_set_aside_and_every_other_memory_gets_its_vector()
    {
        // One text the endpoint refuses (a 400) failed its batch at every try, and with it every memory queued behind it.
        var embedder = new GatedEmbedder { Refuse = "poison" };
        embedder.Open.SetResult();
        using var state = new RetrievalState(Store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 8 });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        var cube = await os.CreateCubeAsync(Me, "chat");
        var drafts = Enumerable.Range(0, 20).Select(i => new MemoryDraft($"Note {i} about {Hobbies[i % Hobbies.Length]}")).ToList();
        drafts[5] = new MemoryDraft("A poison note about pottery");
        var added = await os.AddBatchAsync(Me, "chat", drafts);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery", 3));

        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, state.PendingEmbeddings);
        Assert.Equal(19, state.BackgroundEmbedded);
        Assert.Equal(1, state.RefusedEmbeddings);
        Assert.Equal(added[5].Id, Assert.Single(state.RefusedEmbeddingsIn(Me.Tenant, cube.Id)));
        Assert.IsType<EmbeddingServiceException>(state.LastEmbeddingRefusal);
        Assert.Null(state.BackgroundEmbeddingError);

        // Still found by its words, without a vector; searching again does not send it to the embedder again.
        long calls = embedder.DocumentCalls;
        var hit = Assert.Single(await os.SearchAsync(Me, "chat", "poison", 1));
        Assert.Equal(added[5].Id, hit.Item.Id);
        Assert.Equal(0, hit.Components.GetValueOrDefault("vector"));
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(calls, embedder.DocumentCalls);

        // A new text is tried again.
        await os.UpdateAsync(Me, added[5].Id, new MemoryChange { Text = "A fine note about pottery" });
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery", 3));
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, state.RefusedEmbeddings);
        Assert.Equal(20, state.BackgroundEmbedded);
    }

    [Fact]
    public async Task While_the_embedder_waits_to_try_again_a_new_deferral_does_not_call_it_and_a_wait_tries_at_once()
    {
        var embedder = new GatedEmbedder { Fail = true };
        embedder.Open.SetResult();
        using var state = new RetrievalState(Store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10, FirstEmbedRetryDelay = TimeSpan.FromHours(1), MaxEmbedRetryDelay = TimeSpan.FromHours(1) });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann took up pottery"), new MemoryDraft("Bob went sailing")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "pottery", 3));
        await Until(() => state.BackgroundEmbeddingError is not null);
        Assert.Equal(1, embedder.DocumentCalls);

        // No call per deferral against an endpoint that is down: the next try waits for the back-off.
        await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann went hiking"), new MemoryDraft("Bob plays chess")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "hiking", 3));
        Assert.Equal(4, state.PendingEmbeddings);
        Assert.Equal(1, embedder.DocumentCalls);

        embedder.Fail = false;
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(4, state.BackgroundEmbedded);
        Assert.Null(state.BackgroundEmbeddingError);
    }

    [Fact]
    public void Retry_delays_that_cannot_work_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrievalStateOptions { FirstEmbedRetryDelay = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetrievalStateOptions { FirstEmbedRetryDelay = TimeSpan.FromMinutes(10) }.Validate()); // over the longest
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => new RetrievalStateOptions { MaxEmbedRetryDelay = TimeSpan.FromDays(2) }.Validate());
        Assert.Equal(nameof(RetrievalStateOptions.MaxEmbedRetryDelay), tooLong.ParamName);
    }

    [Fact]
    public async Task A_cube_deleted_before_its_background_catch_up_is_no_error_and_the_next_cube_is_embedded()
    {
        var embedder = new GatedEmbedder();
        embedder.Open.SetResult();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? gone = null;
        var store = InterceptedStore.Over(Store, (method, args) => method == nameof(IMemoryStore.FindCubeAsync) && args[1] as string == gone ? FindLaterAsync(args) : null);
        using var state = new RetrievalState(store, embedder, new RetrievalStateOptions { InlineEmbedLimit = 0, EmbedBatch = 10 });
        await using var os = new MemoryOS(Store, new HybridRetriever(state));
        var doomed = await os.CreateCubeAsync(Me, "doomed");
        await os.AddBatchAsync(Me, "doomed", [new MemoryDraft("Ann took up pottery")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "doomed", "pottery", 3));
        await state.WaitForEmbeddingsAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var kept = await os.CreateCubeAsync(Me, "kept");
        await os.AddBatchAsync(Me, "kept", [new MemoryDraft("Bob went sailing"), new MemoryDraft("Bob plays chess")]);
        gone = doomed.Id;
        await os.DeleteCubeAsync(Me, "doomed");

        // A write committed before the delete tells the state after it: its catch-up finds the cube gone.
        state.Options.QueueAfterWrites = true;
        state.OnCubeWritten(Me.Tenant, doomed.Id);
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
        state.OnCubeWritten(Me.Tenant, kept.Id);
        release.SetResult();

        await Until(() => state.BackgroundEmbedded == 3);
        Assert.Null(state.BackgroundEmbeddingError);

        async Task<MemoryCore.Cubes.MemCube?> FindLaterAsync(object?[] a)
        {
            reached.TrySetResult();
            await release.Task;
            return await Store.FindCubeAsync((string)a[0]!, (string)a[1]!, (CancellationToken)a[2]!);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing after two minutes.</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never held");
            await Task.Delay(20);
        }
    }

    /// <summary>A model-like embedder (not the hashing one) whose document batches wait for <see cref="Open"/>; single texts (queries) pass.</summary>
    private sealed class GatedEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly HashingEmbedder inner = new(64);
        private readonly EmbeddingGeneratorMetadata metadata = new("test-gated", null, "gated-v1", 64);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set when the first document batch is inside the embedder (waiting for <see cref="Open"/>).</summary>
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Fail;

        /// <summary>A word whose texts the endpoint refuses as bad input (a 400), or null.</summary>
        public string? Refuse { get; init; }

        private long documentCalls;

        /// <summary>Calls with memories' texts (not queries) so far.</summary>
        public long DocumentCalls => Interlocked.Read(ref documentCalls);

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            bool query = options is not null; // the state embeds queries with options (their input type), documents without
            if (!query)
            {
                Interlocked.Increment(ref documentCalls);
            }

            if (!query && Refuse is { } word && texts.Any(t => t.Contains(word, StringComparison.Ordinal)))
            {
                throw new EmbeddingServiceException("The embedding endpoint answered 400 Bad Request: input refused.", System.Net.HttpStatusCode.BadRequest);
            }

            if (texts.Count > 1)
            {
                Entered.TrySetResult();
                await Open.Task.WaitAsync(cancellationToken);
                if (Fail)
                {
                    throw new HttpRequestException("The embedding service is down.");
                }
            }

            return new GeneratedEmbeddings<Embedding<float>>(texts.Select(t => new Embedding<float>(inner.Embed(t))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }
}
