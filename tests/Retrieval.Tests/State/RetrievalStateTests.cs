using System.Buffers.Binary;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;
using AgentMem.MemoryCore.Ports;
using AgentMem.MemoryCore.Search;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.State;
using AgentMem.Stores.Sqlite;
using AgentMem.Stores.Tests;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.State;

public sealed class RetrievalStateTests : TempStore
{
    private static readonly Scope Me = new("acme", "alice");
    private static readonly string[] Words = ["tea", "coffee", "hiking", "piano", "garden", "chess", "sailing", "pottery", "dog", "museum", "painting", "camping", "yesterday", "Paris", "guitar", "marathon"];
    [Fact]
    public async Task Incremental_indexes_rank_exactly_as_a_full_rebuild_through_adds_updates_deletes_state_changes_and_purges()
    {
        var features = new HybridOptions { TagWeight = 0.3f, LinkWeight = 0.1f, TimeWeight = 0.2f, StrengthWeight = 0.05f };
        using var incremental = new HybridRetriever(Store, features);
        using var rebuilt = new HybridRetriever(Store, new HybridOptions { Name = "rebuilt", TagWeight = 0.3f, LinkWeight = 0.1f, TimeWeight = 0.2f, StrengthWeight = 0.05f, RebuildOnWrite = true });
        await using var os = new MemoryOS(Store, [incremental, rebuilt]);
        await os.CreateCubeAsync(Me, "chat");
        var random = new Random(7);
        var ids = new List<MemoryId>();
        for (int round = 0; round < 12; round++)
        {
            var drafts = Enumerable.Range(0, 15).Select(i => new MemoryDraft(Sentence(random)) { Actor = random.Next(2) == 0 ? "Ann" : "Bob", Session = $"s{random.Next(4)}", Tags = random.Next(3) == 0 ? ["pet"] : [] }).ToList();
            ids.AddRange((await os.AddBatchAsync(Me, "chat", drafts)).Select(o => o.Id));
            for (int op = 0; op < 6 && ids.Count > 10; op++)
            {
                var id = ids[random.Next(ids.Count)];
                switch (random.Next(5))
                {
                    case 0:
                        await os.UpdateAsync(Me, id, new MemoryChange { Text = Sentence(random), Links = [new MemoryLink(ids[random.Next(ids.Count)], "relates-to", 0.7)] });
                        break;
                    case 1:
                        await os.DeleteAsync(Me, id);
                        ids.Remove(id); // a tombstone takes no more edits
                        break;
                    case 2:
                        await os.SetStateAsync(Me, id, LifecycleState.Archived);
                        ids.Remove(id);
                        break;
                    case 3:
                        await os.PurgeAsync(Me, id);
                        ids.Remove(id);
                        break;
                    default:
                        await os.RecordRecallAsync(Me, [id]);
                        break;
                }
            }

            foreach (string query in new[] { "When did Ann go hiking?", "Bob piano chess", "Does Ann have a dog?", Words[random.Next(Words.Length)] })
            {
                var want = await os.SearchAsync(Me, "chat", query, k: 10, retrieverName: "rebuilt");
                var got = await os.SearchAsync(Me, "chat", query, k: 10, retrieverName: "hybrid");
                AssertSameRanking(want, got, query);
            }
        }

        Assert.Equal(1, incremental.State.CachedCubes);
    }

    [Fact]
    public async Task Scoring_the_vector_signal_beside_the_lexical_ones_ranks_exactly_as_one_after_the_other()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(9);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 500).Select(i => new MemoryDraft($"{Sentence(random)} item{i % 53}") { Session = $"s{i / 12}", Actor = i % 2 == 0 ? "Ann" : "Bob" }).ToList());
        foreach (int? threshold in new int?[] { null, 200 }) // the exact scan, then SPANN
        {
            using var state = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = threshold, IndexDirectory = threshold is null ? null : indexes });
            var sideBySide = new HybridRetriever(state, new HybridOptions { ParallelVectorMinimum = 0 });
            var inTurn = new HybridRetriever(state, new HybridOptions { Name = "in-turn", ParallelVectorMinimum = int.MaxValue });
            Task<IReadOnlyList<SearchHit>> Search(HybridRetriever r, string q) => r.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cube.Id }, 10));
            await Search(inTurn, "warm up");
            await state.WaitForIndexesAsync();
            Assert.Equal(threshold is not null, state.ServesThroughAnn(Me.Tenant, cube.Id));
            for (int q = 0; q < 25; q++)
            {
                string query = $"Did {(q % 2 == 0 ? "Ann" : "Bob")} {Words[random.Next(Words.Length)]} item{random.Next(53)}?";
                var want = await Search(inTurn, query);
                var got = await Search(sideBySide, query);
                Assert.Equal(want.Select(h => (h.Item.Id, h.Score)), got.Select(h => (h.Item.Id, h.Score)));
                Assert.Contains(got, h => h.Components["vector"] > 0);
            }
        }
    }

    [Fact]
    public async Task A_new_state_reuses_persisted_embeddings_and_embeds_only_changed_text()
    {
        await using var os = new MemoryOS(Store, new HybridRetriever(Store));
        await os.CreateCubeAsync(Me, "chat");
        var added = await os.AddBatchAsync(Me, "chat", Enumerable.Range(0, 40).Select(i => new MemoryDraft($"{Sentence(new Random(i))} number{i}")).ToList());
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "tea"));

        // Another process (or a restart): a fresh state over the same file.
        using var fresh = new RetrievalState(Store);
        var second = new HybridRetriever(fresh);
        var request = new SearchRequest(Me.Tenant, "tea number3", new MemoryFilter { CubeId = (await os.OpenCubeAsync(Me, "chat")).Id }, 5);
        Assert.NotEmpty(await second.SearchAsync(request));
        Assert.Equal(0, fresh.EmbeddedTexts);

        await os.UpdateAsync(Me, added[3].Id, new MemoryChange { Text = "a completely new sentence about the quokkathon" });
        var hits = await second.SearchAsync(request with { Query = "quokkathon" });
        Assert.Equal(added[3].Id, hits[0].Item.Id);
        Assert.Equal(1, fresh.EmbeddedTexts);
    }

    [Fact]
    public async Task A_tag_or_query_holding_a_character_unicode_normalisation_refuses_leaves_the_cube_searchable()
    {
        // The store keeps U+FFFE in a tag and a keyword; analysing them threw, so every search of the cube threw.
        await using var os = new MemoryOS(Store, new HybridRetriever(Store));
        await os.CreateCubeAsync(Me, "chat");
        var odd = await os.AddAsync(Me, "chat", new MemoryDraft("Ann likes tea in the garden") { Tags = ["x\uFFFEy"], Keywords = ["quokka\uFFFEtea"], Actor = "Ann\uFFFF" });
        await os.AddAsync(Me, "chat", new MemoryDraft("Bob plays chess"));

        Assert.Equal(odd.Id, (await os.SearchAsync(Me, "chat", "garden tea"))[0].Item.Id);
        Assert.Equal(odd.Id, (await os.SearchAsync(Me, "chat", "garden\uFFFEtea"))[0].Item.Id);
        Assert.Equal(odd.Id, (await os.SearchAsync(Me, "chat", "quokka"))[0].Item.Id);
    }

    [Fact]
    public async Task A_second_store_instance_sees_adds_updates_and_purges_made_through_the_first()
    {
        await using var writer = new MemoryOS(Store, new HybridRetriever(Store));
        await writer.CreateCubeAsync(Me, "chat");
        await writer.AddAsync(Me, "chat", new MemoryDraft("Ann likes tea in the garden"));
        await using var otherStore = SqliteMemoryStore.Open(Store.Path);
        await using var reader = new MemoryOS(otherStore, new HybridRetriever(otherStore));
        Assert.Single(await reader.SearchAsync(Me, "chat", "garden tea"));

        var added = await writer.AddAsync(Me, "chat", new MemoryDraft("Bob bought a quokkaphone yesterday"));
        Assert.Equal(added.Id, (await reader.SearchAsync(Me, "chat", "quokkaphone"))[0].Item.Id);

        await writer.UpdateAsync(Me, added.Id, new MemoryChange { Text = "Bob returned the zebrafone" });
        Assert.Empty(await reader.SearchAsync(Me, "chat", "quokkaphone"));
        Assert.Equal(added.Id, (await reader.SearchAsync(Me, "chat", "zebrafone"))[0].Item.Id);

        await writer.PurgeAsync(Me, added.Id);
        Assert.Empty(await reader.SearchAsync(Me, "chat", "zebrafone"));
        Assert.DoesNotContain(await reader.SearchAsync(Me, "chat", "Bob returned"), h => h.Item.Id == added.Id);
    }

    [Fact]
    public async Task Above_the_threshold_a_cube_is_searched_through_spann_with_the_exact_signal_s_hits_and_survives_restart_inserts_and_deletes()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var annOptions = new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes, SnapshotMinimum = 100 };
        var vectorOnly = HybridOptions.VectorOnly();
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(3);
        var added = await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 600).Select(i => new MemoryDraft($"{Sentence(random)} {Sentence(random)} item{i % 97}")).ToList());
        var queries = Enumerable.Range(0, 30).Select(_ => $"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]} item{random.Next(97)}").ToList();

        using var exactState = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = null });
        var exact = new HybridRetriever(exactState, vectorOnly);
        var state = new RetrievalState(Store, options: annOptions);
        var ann = new HybridRetriever(state, vectorOnly);
        Task<IReadOnlyList<SearchHit>> Search(HybridRetriever r, string q) => r.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cube.Id }, 10));

        await Search(ann, "warm up");
        await state.WaitForIndexesAsync();
        Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.Equal(1, state.AnnBuilds(Me.Tenant, cube.Id));
        Assert.True(await RecallAsync() >= 0.95);

        // Inserts, updates and deletes reach the index without a rebuild.
        var fresh = await writer.AddAsync(Me, "big", new MemoryDraft("the quokka plays the theremin at midnight"));
        await writer.UpdateAsync(Me, added[5].Id, new MemoryChange { Text = "a wombat learns the bassoon" });
        await writer.PurgeAsync(Me, added[6].Id);
        Assert.Equal(fresh.Id, (await Search(ann, "quokka theremin midnight"))[0].Item.Id);
        Assert.Equal(added[5].Id, (await Search(ann, "wombat bassoon"))[0].Item.Id);
        Assert.DoesNotContain(await Search(ann, queries[0]), h => h.Item.Id == added[6].Id);
        Assert.Equal(1, state.AnnBuilds(Me.Tenant, cube.Id));
        Assert.True(await RecallAsync() >= 0.95);
        var before = (await Search(ann, queries[1])).Select(h => h.Item.Id).ToList();

        // A restart: the index reopens from its folder (no build, no embedding) and replays what changed while closed.
        state.Dispose();
        await writer.PurgeAsync(Me, added[7].Id);
        var gone = added[7].Id;
        var late = await writer.AddAsync(Me, "big", new MemoryDraft("an axolotl repairs the harpsichord"));
        state = new RetrievalState(Store, options: annOptions);
        ann = new HybridRetriever(state, vectorOnly);
        Assert.Equal(late.Id, (await Search(ann, "axolotl harpsichord"))[0].Item.Id);
        Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.True(state.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.Equal(0, state.AnnBuilds(Me.Tenant, cube.Id));
        Assert.Equal(1, state.EmbeddedTexts); // only the memory added while no index was open
        Assert.Equal(before.Where(id => id != gone), (await Search(ann, queries[1])).Select(h => h.Item.Id).Where(id => id != late.Id).Take(before.Count(id => id != gone)));
        Assert.True(await RecallAsync() >= 0.95);
        var lexical = new HybridOptions { Name = "lexical", VectorWeight = 0 };
        var restoredHybrid = await new HybridRetriever(state, lexical).SearchAsync(new SearchRequest(Me.Tenant, queries[2], new MemoryFilter { CubeId = cube.Id }, 10));
        state.Dispose();

        // The restored lexical index ranks exactly as one built from the store.
        using var fromStore = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = null });
        var rebuilt = await new HybridRetriever(fromStore, lexical).SearchAsync(new SearchRequest(Me.Tenant, queries[2], new MemoryFilter { CubeId = cube.Id }, 10));
        Assert.NotEmpty(rebuilt);
        Assert.Equal(rebuilt.Select(h => (h.Item.Id, Math.Round(h.Score, 4))), restoredHybrid.Select(h => (h.Item.Id, Math.Round(h.Score, 4))));

        // A damaged snapshot is ignored: the cube is built from the store instead.
        string snapshot = Directory.EnumerateFiles(indexes, "lexical.snap", SearchOption.AllDirectories).Single();
        Assert.Single(Directory.EnumerateFiles(indexes, "vectors.json*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(indexes, "*.tmp", SearchOption.AllDirectories)); // every checkpoint file was renamed into place
        var bytes = await File.ReadAllBytesAsync(snapshot);
        bytes[bytes.Length / 2] ^= 0x5A;
        await File.WriteAllBytesAsync(snapshot, bytes);
        using var afterDamage = new RetrievalState(Store, options: annOptions);
        var again = await new HybridRetriever(afterDamage, lexical).SearchAsync(new SearchRequest(Me.Tenant, queries[2], new MemoryFilter { CubeId = cube.Id }, 10));
        Assert.False(afterDamage.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.Equal(rebuilt.Select(h => (h.Item.Id, Math.Round(h.Score, 4))), again.Select(h => (h.Item.Id, Math.Round(h.Score, 4))));

        async Task<double> RecallAsync()
        {
            int found = 0, wanted = 0;
            foreach (string q in queries)
            {
                var want = (await Search(exact, q)).Select(h => h.Item.Id).ToHashSet();
                var got = (await Search(ann, q)).Select(h => h.Item.Id);
                wanted += want.Count;
                found += got.Count(want.Contains);
            }

            return found / (double)wanted;
        }
    }

    [Fact]
    public async Task Waiting_for_indexes_takes_over_a_spann_build_that_finished_before_the_wait()
    {
        // The wait looked only at running builds: one that had finished since the cube's last search was skipped, and the
        // cube went on serving exactly after the wait had returned.
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(11);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 400).Select(i => new MemoryDraft($"{Sentence(random)} item{i}")).ToList());
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes }) { AnnBuildGate = gate.Task };
        await new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 5));

        gate.SetResult();
        await await state.WithCubeAsync(Me.Tenant, cube.Id, index => index.Vectors.WaitForBuildAsync(), default);
        Assert.False(state.ServesThroughAnn(Me.Tenant, cube.Id)); // finished, not yet taken over

        await state.WaitForIndexesAsync();
        Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id));
    }

    [Fact]
    public async Task A_state_without_background_ann_builds_searches_exactly_and_builds_an_index_on_request_that_later_states_reopen()
    {
        // For a one-shot process: the first search past the threshold started a SPANN build, and closing the state waited for
        // it and threw it away unsaved. Here no build starts (one would wait on the gate), closing returns, and the index
        // BuildIndexAsync saves is what the next state with the same options opens.
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(13);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 400).Select(i => new MemoryDraft($"{Sentence(random)} item{i}")).ToList());
        var oneShot = new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes, BuildAnnInBackground = false };
        var request = new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 5);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = new RetrievalState(Store, options: oneShot) { AnnBuildGate = gate.Task };
        try
        {
            Assert.NotEmpty(await new HybridRetriever(state).SearchAsync(request));
            Assert.True(state.AnnBuildDeferred(Me.Tenant, cube.Id));
            Assert.False(state.ServesThroughAnn(Me.Tenant, cube.Id));
            Assert.Equal(0, await state.WithCubeAsync(Me.Tenant, cube.Id, index => index.Vectors.AnnBuilds, default));
        }
        finally
        {
            gate.TrySetResult(); // a build started against the option would otherwise hold the close below for ever
            state.Dispose();
        }

        using (var builder = new RetrievalState(Store, options: oneShot))
        {
            var report = await builder.BuildIndexAsync(Me.Tenant, cube.Id);
            Assert.Equal("spann", report.Tier);
            Assert.False(report.Drift);
            Assert.True(builder.ServesThroughAnn(Me.Tenant, cube.Id));
        }

        using var later = new RetrievalState(Store, options: oneShot);
        Assert.NotEmpty(await new HybridRetriever(later).SearchAsync(request));
        Assert.True(later.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.False(later.AnnBuildDeferred(Me.Tenant, cube.Id));
    }

    /// <summary>A cube of 600 memories whose SPANN index is built, checked and persisted by a state that is then closed.</summary>
    private async Task<(MemoryOS Writer, MemoryCore.Cubes.MemCube Cube, RetrievalStateOptions Options, string Indexes, Random Random)> PersistedSpannCubeAsync()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var annOptions = new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes, SnapshotMinimum = 100 };
        var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "big");
        var random = new Random(5);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 600).Select(i => new MemoryDraft($"{Sentence(random)} item{i}")).ToList());
        using var state = new RetrievalState(Store, options: annOptions);
        await new HybridRetriever(state, HybridOptions.VectorOnly()).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 10));
        await state.WaitForIndexesAsync();
        Assert.True(state.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.False((await state.VerifyAsync(Me.Tenant, cube.Id)).Drift);
        return (writer, cube, annOptions, indexes, random);
    }

    /// <summary>Flips a bit of the first vector of the first posting (or of every page's first entry) of the cube's postings file.</summary>
    private static void FlipPostingBytes(string indexes, bool everyPage)
    {
        using var f = new FileStream(Directory.EnumerateFiles(indexes, "postings.*.spp", SearchOption.AllDirectories).Single(), FileMode.Open);
        for (long page = 4096; page + 4096 <= f.Length; page += 4096)
        {
            f.Position = page + 40;
            int b = f.ReadByte();
            f.Position = page + 40;
            f.WriteByte((byte)(b ^ 0x01));
            if (!everyPage)
            {
                break;
            }
        }
    }

    [Fact]
    public async Task A_query_vector_of_another_length_than_the_stored_vectors_fails_the_search_until_a_rebuild()
    {
        // An embedder whose id has no dimension (an OpenAI-compatible one without Dimensions) serving another model under
        // the same name: the stored vectors were loaded as its own, and its queries, of another length, were skipped
        // without a word, so every search quietly lost its vector signal.
        using var before = new HybridRetriever(Store, new HybridOptions { Name = "before" }, new UnsizedEmbedder(64));
        using var after = new HybridRetriever(Store, new HybridOptions { Name = "after" }, new UnsizedEmbedder(128));
        Assert.Equal(before.State.EmbedderId, after.State.EmbedderId);
        await using var os = new MemoryOS(Store, [before, after]);
        var cube = await os.CreateCubeAsync(Me, "chat");
        await os.AddBatchAsync(Me, "chat", [new MemoryDraft("Ann drinks green tea."), new MemoryDraft("Bob plays chess.")]);
        Assert.NotEmpty(await os.SearchAsync(Me, "chat", "tea", retrieverName: "before"));

        var request = new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 10);
        var error = await Assert.ThrowsAsync<AgentMem.Retrieval.Vectors.VectorFormatException>(() => after.SearchAsync(request));
        Assert.Contains("index rebuild", error.Message, StringComparison.Ordinal);

        await after.State.RebuildAsync(Me.Tenant, cube.Id);
        Assert.True((await after.SearchAsync(request))[0].Components["vector"] > 0);
    }

    [Theory]
    [InlineData(float.NaN, "non-finite value (NaN) at position 3")]
    [InlineData(3e19f, "a squared length of 9E+38, past 8.5070587E+37")] // finite, but its distances overflow a float
    public async Task An_embedder_vector_that_no_index_takes_fails_the_search_and_is_not_stored(float bad, string why)
    {
        // Stored, the vector matched its text hash and was never embedded again: the memory scored 0 in every vector search.
        using var retriever = new HybridRetriever(Store, new HybridOptions { Name = "bad" }, new UnindexableEmbedder(bad));
        await using var os = new MemoryOS(Store, [retriever]);
        var cube = await os.CreateCubeAsync(Me, "chat");
        await os.AddAsync(Me, "chat", new MemoryDraft("Ann drinks green tea."));

        var request = new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 10);
        var error = await Assert.ThrowsAsync<AgentMem.Retrieval.Vectors.VectorFormatException>(() => retriever.SearchAsync(request));
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Empty(await Store.GetEmbeddingsAsync(Me.Tenant, cube.Id, retriever.State.EmbedderId, null));
    }

    [Fact]
    public async Task Verify_reports_a_spann_posting_that_fails_its_crc_as_damage_and_a_rebuild_repairs_it()
    {
        var (writer, cube, annOptions, indexes, _) = await PersistedSpannCubeAsync();
        await using var owned = writer;

        // A flipped bit in the first posting's first vector: the reopened index (which reads no posting at open) serves,
        // and verify, which reads every posting, says so instead of failing or comparing keys read from damaged entries.
        FlipPostingBytes(indexes, everyPage: false);

        using var reopened = new RetrievalState(Store, options: annOptions);
        var report = await reopened.VerifyAsync(Me.Tenant, cube.Id);
        Assert.True(reopened.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.Contains("fails its CRC", report.Damage, StringComparison.Ordinal);
        Assert.True(report.Drift);

        var rebuilt = await reopened.RebuildAsync(Me.Tenant, cube.Id);
        Assert.Null(rebuilt.Damage);
        Assert.False(rebuilt.Drift);
    }

    [Fact]
    public async Task A_damaged_spann_index_fails_the_search_that_finds_it_and_is_not_reopened()
    {
        var (writer, cube, annOptions, indexes, random) = await PersistedSpannCubeAsync();
        await using var owned = writer;
        var request = new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 10);

        // Every posting's first vector damaged: the first write that reads a posting whole (an append, a split) finds it.
        FlipPostingBytes(indexes, everyPage: true);

        using var reopened = new RetrievalState(Store, options: annOptions);
        var vectors = new HybridRetriever(reopened, HybridOptions.VectorOnly());
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 50).Select(i => new MemoryDraft($"{Sentence(random)} late{i}")).ToList());
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                await vectors.SearchAsync(request);
            }
        });

        // The damaged index is not reopened: the next search scores from the stored embeddings.
        Assert.NotEmpty(await vectors.SearchAsync(request));
        Assert.NotEmpty(await vectors.SearchAsync(request));
    }

    [Fact]
    public async Task A_snapshot_that_cannot_be_written_fails_no_search_and_no_eviction()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1 };
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        var random = new Random(17);
        await writer.AddBatchAsync(Me, "c", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        using var state = new RetrievalState(Store, options: options);
        var lexical = new HybridRetriever(state, new HybridOptions { Name = "lexical", VectorWeight = 0 });
        Task<IReadOnlyList<SearchHit>> Search(string q) => lexical.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cube.Id }, 5));

        // The snapshot's name is taken by a folder: every write of it fails, as on a full or read-only disk.
        Directory.CreateDirectory(Path.Combine(state.CubeFolder(Me.Tenant, cube.Id)!, CubeIndexFile.FileName));
        Assert.NotEmpty(await Search("tea"));
        Assert.Equal(1, state.FailedCheckpoints);

        await writer.AddAsync(Me, "c", new MemoryDraft("the zorblax arrived on Tuesday"));
        Assert.NotEmpty(await Search("zorblax"));
        state.Clear(); // closes the cube, which checkpoints the change: fails again, and must still let the cube go
        Assert.Equal(2, state.FailedCheckpoints);
        Assert.IsAssignableFrom<IOException>(state.LastCheckpointFailure);

        var again = Search("zorblax");
        Assert.Same(again, await Task.WhenAny(again, Task.Delay(TimeSpan.FromSeconds(10)))); // the cube's lock was released
        Assert.NotEmpty(await again);
    }

    [Fact]
    public async Task Opening_a_cube_deletes_the_temporary_files_a_killed_save_left_in_its_folder_and_keeps_a_recent_one()
    {
        // A process killed while it saved a snapshot leaves the temporary copy, up to the snapshot's size, beside it; nothing
        // deleted one, so each kill grew the folder by a snapshot. One written to within the hour may be another save's.
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        await writer.AddAsync(Me, "c", new MemoryDraft("Ann likes tea"));
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1 });
        string folder = state.CubeFolder(Me.Tenant, cube.Id)!;
        Directory.CreateDirectory(folder);
        string killed = Path.Combine(folder, $".agentmem-{Guid.NewGuid():N}.tmp");
        string recent = Path.Combine(folder, $".agentmem-{Guid.NewGuid():N}.tmp");
        string other = Path.Combine(folder, ".agentmem-notes.tmp"); // not a name CrashSafeFile gives
        foreach (string file in new[] { killed, recent, other })
        {
            await File.WriteAllBytesAsync(file, new byte[100]);
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-2));
        }

        File.SetLastWriteTimeUtc(recent, DateTime.UtcNow.AddMinutes(-30));

        Assert.NotEmpty(await new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 5)));
        Assert.False(File.Exists(killed));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public async Task Evicting_a_cube_whose_spann_checkpoint_fails_fails_no_other_search_and_frees_the_cube_s_folder()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var big = await writer.CreateCubeAsync(Me, "big");
        var small = await writer.CreateCubeAsync(Me, "small");
        var random = new Random(29);
        await writer.AddBatchAsync(Me, "big", Enumerable.Range(0, 800).Select(i => new MemoryDraft($"{Sentence(random)} item{i}")).ToList());
        await writer.AddAsync(Me, "small", new MemoryDraft("Ann likes tea"));
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = 300, IndexDirectory = indexes, CacheBytes = 1 << 20 });
        var retriever = new HybridRetriever(state);
        Task<IReadOnlyList<SearchHit>> Search(string cubeId, string q) => retriever.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cubeId }, 5));
        await Search(big.Id, "tea");
        await state.WaitForIndexesAsync();
        await Search(big.Id, "tea");
        Assert.True(state.ServesThroughAnn(Me.Tenant, big.Id));

        // An insert the SPANN index has not checkpointed, and a checkpoint that cannot be written (its head file's name
        // is taken). Evicting the cube failed its closing checkpoint twice: the second time out of the other cube's
        // search, leaving the cube's folder locked.
        await writer.AddAsync(Me, "big", new MemoryDraft("the quokka plays the theremin"));
        Assert.NotEmpty(await Search(big.Id, "quokka"));
        string spann = Path.Combine(state.CubeFolder(Me.Tenant, big.Id)!, "spann");
        long generation = Directory.GetFiles(spann, "heads.*.hnsw").Select(f => long.Parse(Path.GetFileName(f).Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)).Single();
        Directory.CreateDirectory(Path.Combine(spann, $"heads.{generation + 1}.hnsw"));

        Assert.True(state.CachedBytes > 1 << 20); // the big cube alone is over the budget: the next search elsewhere evicts it
        Assert.NotEmpty(await Search(small.Id, "tea"));
        Assert.False(state.ServesThroughAnn(Me.Tenant, big.Id));
        Assert.True(state.FailedCheckpoints > 0);
        Assert.IsType<IOException>(state.LastCheckpointFailure);
        using (new FileStream(Path.Combine(spann, "owner.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
        }

        // Reopened (the head file writable again), the log replays the insert.
        Directory.Delete(Path.Combine(spann, $"heads.{generation + 1}.hnsw"));
        var hits = await Search(big.Id, "quokka theremin");
        Assert.Contains("quokka", hits[0].Item.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_spann_build_fails_no_search_is_not_retried_and_is_reported_by_verify()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { AnnThreshold = 50, IndexDirectory = indexes };
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        var random = new Random(19);
        await writer.AddBatchAsync(Me, "c", Enumerable.Range(0, 60).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        using var state = new RetrievalState(Store, options: options);
        var vectors = new HybridRetriever(state, HybridOptions.VectorOnly());
        Task<IReadOnlyList<SearchHit>> Search(string q) => vectors.SearchAsync(new SearchRequest(Me.Tenant, q, new MemoryFilter { CubeId = cube.Id }, 5));

        // The postings file's name is taken by a folder, which the build's clean-up leaves: the build fails.
        Directory.CreateDirectory(Path.Combine(state.CubeFolder(Me.Tenant, cube.Id)!, "spann", "postings.1.spp"));
        Assert.NotEmpty(await Search("tea number3"));
        await state.WaitForIndexesAsync();
        Assert.NotEmpty(await Search("coffee number7"));
        Assert.NotEmpty(await Search("chess number9"));

        Assert.False(state.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.Equal(1, state.AnnBuilds(Me.Tenant, cube.Id));
        var report = await state.VerifyAsync(Me.Tenant, cube.Id);
        Assert.Equal("exact", report.Tier);
        Assert.Contains("SPANN build failed", report.Damage, StringComparison.Ordinal);
        Assert.True(report.Drift);
    }

    [Fact]
    public async Task A_stored_embedding_that_no_longer_fits_its_memory_is_not_restored_from_the_snapshot_but_embedded_again()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        string log = string.Concat(Enumerable.Range(0, 25).Select(i => $"Day {i}: the harbour master logged a ship. "));
        Assert.InRange(log.Length, 1000, 1100);
        await writer.AddAsync(Me, "c", new MemoryDraft("Ann likes tea in the garden"));
        var longOne = await writer.AddAsync(Me, "c", new MemoryDraft(log));
        var request = new SearchRequest(Me.Tenant, "the harbour master logged a ship", new MemoryFilter { CubeId = cube.Id }, 5);
        using (var first = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1 }))
        {
            Assert.Equal(longOne.Id, (await new HybridRetriever(first, HybridOptions.VectorOnly()).SearchAsync(request))[0].Item.Id);
        }

        // Longer vector stretches: the long memory's stored embedding (one vector per 300-character passage) is of another
        // layout, so its hash does not match; the snapshot, which does not depend on it, is restored all the same.
        using var reopened = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1, VectorPassageChars = 600 });
        var vectors = new HybridRetriever(reopened, HybridOptions.VectorOnly());
        await vectors.SearchAsync(request);
        Assert.True(reopened.RestoredFromSnapshot(Me.Tenant, cube.Id));
        await reopened.WaitForEmbeddingsAsync();
        Assert.Equal(longOne.Id, (await vectors.SearchAsync(request))[0].Item.Id);
        Assert.False((await reopened.VerifyAsync(Me.Tenant, cube.Id)).Drift);
    }

    [Fact]
    public async Task A_memory_added_after_the_checkpoint_and_purged_after_a_crash_leaves_no_key_in_the_reopened_spann_index()
    {
        var (writer, cube, annOptions, indexes, _) = await PersistedSpannCubeAsync();
        await using var owned = writer;
        var request = new SearchRequest(Me.Tenant, "quokka theremin midnight", new MemoryFilter { CubeId = cube.Id }, 10);
        using var owner = new RetrievalState(Store, options: annOptions);
        var vectors = new HybridRetriever(owner, HybridOptions.VectorOnly());
        var late = await writer.AddAsync(Me, "big", new MemoryDraft("the quokka plays the theremin at midnight"));
        Assert.Equal(late.Id, (await vectors.SearchAsync(request))[0].Item.Id); // restored, then its vector logged by SPANN
        Assert.True(owner.RestoredFromSnapshot(Me.Tenant, cube.Id));

        // The owner is killed now: the next process finds the folder as it is on disk, with no checkpoint since the add.
        string crashed = CopyAsCrashed(indexes);
        await writer.PurgeAsync(Me, late.Id);
        using var next = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = annOptions.AnnThreshold, IndexDirectory = crashed, SnapshotMinimum = annOptions.SnapshotMinimum });
        var report = await next.VerifyAsync(Me.Tenant, cube.Id);
        Assert.True(next.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.True(next.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.Equal(0, report.AnnExtra);
        Assert.False(report.Drift);
    }

    [Fact]
    public async Task A_spann_log_damaged_before_its_end_is_refused_and_the_cube_is_built_again_from_the_store()
    {
        var (writer, cube, annOptions, indexes, _) = await PersistedSpannCubeAsync();
        await using var owned = writer;
        SearchRequest Request(string q) => new(Me.Tenant, q, new MemoryFilter { CubeId = cube.Id }, 10);
        using var owner = new RetrievalState(Store, options: annOptions);
        var vectors = new HybridRetriever(owner, HybridOptions.VectorOnly());
        var quokka = await writer.AddAsync(Me, "big", new MemoryDraft("the quokka plays the theremin at midnight"));
        var axolotl = await writer.AddAsync(Me, "big", new MemoryDraft("the axolotl hums a sea shanty at dawn"));
        Assert.Equal(axolotl.Id, (await vectors.SearchAsync(Request("axolotl sea shanty dawn")))[0].Item.Id); // both logged by SPANN
        Assert.True(owner.RestoredFromSnapshot(Me.Tenant, cube.Id));

        // Killed, and then a bit of the log's first record flips, with sound records after it: damage, which the index
        // refuses to open over. The cube's vectors come from the store, and its SPANN index is built again.
        string crashed = CopyAsCrashed(indexes);
        string log = Directory.EnumerateFiles(crashed, "wal.log", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(log);
        int first = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28));
        Assert.True(28 + 8 + first < bytes.Length);
        bytes[28 + 8 + first - 1] ^= 0x01;
        File.WriteAllBytes(log, bytes);

        using var next = new RetrievalState(Store, options: new RetrievalStateOptions { AnnThreshold = annOptions.AnnThreshold, IndexDirectory = crashed, SnapshotMinimum = annOptions.SnapshotMinimum });
        var reopened = new HybridRetriever(next, HybridOptions.VectorOnly());
        Assert.Equal(quokka.Id, (await reopened.SearchAsync(Request("quokka theremin midnight")))[0].Item.Id);
        Assert.False(next.RestoredFromSnapshot(Me.Tenant, cube.Id));
        await next.WaitForIndexesAsync();
        Assert.Equal(axolotl.Id, (await reopened.SearchAsync(Request("axolotl sea shanty dawn")))[0].Item.Id);
        Assert.True(next.ServesThroughAnn(Me.Tenant, cube.Id));
        Assert.False((await next.VerifyAsync(Me.Tenant, cube.Id)).Drift);
    }

    /// <summary>A copy of the index folder as a killed owner leaves it for the next process: every file but the lock files, whose locks die with it.</summary>
    private string CopyAsCrashed(string indexes)
    {
        string crashed = Path.Combine(Folder, "crashed.index");
        foreach (string file in Directory.EnumerateFiles(indexes, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            string copy = Path.Combine(crashed, Path.GetRelativePath(indexes, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return crashed;
    }

    [Fact]
    public async Task Disposing_the_state_while_a_search_builds_a_cube_closes_the_cube_when_the_search_ends()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        await writer.AddBatchAsync(Me, "c", Enumerable.Range(0, 20).Select(i => new MemoryDraft($"note {i} about pottery and tea")).ToList());
        var listing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = InterceptedStore.Over(Store, (method, args) => method == nameof(IMemoryStore.ListAsync) ? ListAfterReleaseAsync(args) : null);
        var state = new RetrievalState(store, options: new RetrievalStateOptions { IndexDirectory = indexes });
        var search = new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "pottery", new MemoryFilter { CubeId = cube.Id }, 5));
        await listing.Task; // the cube's index is being built, and holds its folder

        state.Dispose();
        release.SetResult();
        Assert.NotEmpty(await search);

        // The index the search built is closed: its folder is free for the next state (in this process or another).
        using var free = new FileStream(Path.Combine(state.CubeFolder(Me.Tenant, cube.Id)!, "spann", "owner.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        Assert.Equal(0, state.CachedCubes);

        async Task<IReadOnlyList<MemoryItem>> ListAfterReleaseAsync(object?[] a)
        {
            listing.TrySetResult();
            await release.Task;
            return await Store.ListAsync((string)a[0]!, (MemoryFilter)a[1]!, (int)a[2]!, (MemoryId?)a[3], (CancellationToken)a[4]!);
        }
    }

    [Fact]
    public async Task Disposing_the_state_waits_for_a_query_being_embedded_before_it_disposes_the_embedder_it_owns()
    {
        // The state disposed the embedder it owns under a search's running query embedding: an ONNX session freed under
        // its run took the process down.
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        await writer.AddAsync(Me, "c", new MemoryDraft("Ann likes tea"));
        var embedder = new HeldQueryEmbedder();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var state = new RetrievalState(Store, embedder, ownsEmbedder: true) { EmbedderCallsAwaited = () => waiting.TrySetResult() };
        var search = new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 5));
        await embedder.Entered.Task.WaitAsync(TimeSpan.FromMinutes(2)); // the query is inside the embedder

        var disposing = Task.Run(state.Dispose);
        await Task.WhenAny(waiting.Task, embedder.Disposed.Task).WaitAsync(TimeSpan.FromMinutes(2)); // waiting for the call, or not
        embedder.Open.SetResult();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => search); // the state is closed by the time the search goes on
        await disposing.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.False(embedder.DisposedDuringCall);
        Assert.True(embedder.Disposed.Task.IsCompleted);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task A_snapshot_with_a_damaged_count_is_ignored_and_the_cube_built_from_the_store(int count)
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1 };
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        var random = new Random(23);
        await writer.AddBatchAsync(Me, "c", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        var lexical = new HybridOptions { Name = "lexical", VectorWeight = 0 };
        string embedder;
        IReadOnlyList<SearchHit> want;
        using (var state = new RetrievalState(Store, options: options))
        {
            want = await new HybridRetriever(state, lexical).SearchAsync(new SearchRequest(Me.Tenant, "tea garden", new MemoryFilter { CubeId = cube.Id }, 5));
            embedder = state.EmbedderId;
        }

        // The count of shared strings follows magic, format, window radius and passage size (4 bytes each), the embedder
        // id (a one-byte length here) and the sequence (8 bytes). The checksum is checked only after everything is read.
        string snapshot = Directory.EnumerateFiles(indexes, CubeIndexFile.FileName, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(snapshot);
        Assert.True(embedder.Length < 128);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16 + 1 + System.Text.Encoding.UTF8.GetByteCount(embedder) + 8), count);
        await File.WriteAllBytesAsync(snapshot, bytes);

        using var reopened = new RetrievalState(Store, options: options);
        var got = await new HybridRetriever(reopened, lexical).SearchAsync(new SearchRequest(Me.Tenant, "tea garden", new MemoryFilter { CubeId = cube.Id }, 5));
        Assert.False(reopened.RestoredFromSnapshot(Me.Tenant, cube.Id));
        Assert.Equal(want.Select(h => h.Item.Id), got.Select(h => h.Item.Id));
    }

    [Fact]
    public async Task A_snapshot_and_vectors_of_the_analysis_that_split_words_at_combining_marks_are_rebuilt_and_embedded_again()
    {
        // The previous release (lexical.snap format 7, hashing-v3) ended a word at every vowel sign: "किताब" (book) and
        // "कुतुब" (Qutub) were both the consonants क, त, ब. Its snapshot and stored vectors must not be mixed with the
        // new analysis: the cube is built from the store and every memory embedded again under the new id.
        const string PreviousEmbedder = "hashing-v3-1024";
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 1 };
        await using var writer = new MemoryOS(Store, new Bm25Retriever(Store));
        var cube = await writer.CreateCubeAsync(Me, "c");
        var book = await writer.AddAsync(Me, "c", new MemoryDraft("मेरी किताब मेज़ पर है"));
        var minar = await writer.AddAsync(Me, "c", new MemoryDraft("मैंने कुतुब मीनार देखा"));
        var request = new SearchRequest(Me.Tenant, "किताब", new MemoryFilter { CubeId = cube.Id }, 5);
        string embedder;
        using (var first = new RetrievalState(Store, options: options))
        {
            await new HybridRetriever(first).SearchAsync(request);
            await first.WaitForEmbeddingsAsync();
            embedder = first.EmbedderId;
        }

        // Make the files the previous release's: the snapshot's format and embedder id (same length) in its head, its
        // checksum recomputed; the stored vectors relabelled and replaced by ones over the text as it split it.
        Assert.Equal(PreviousEmbedder.Length, embedder.Length);
        string snapshot = Directory.EnumerateFiles(indexes, CubeIndexFile.FileName, SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(snapshot);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 7);
        System.Text.Encoding.UTF8.GetBytes(PreviousEmbedder).CopyTo(bytes.AsSpan(16 + 1));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        await File.WriteAllBytesAsync(snapshot, bytes);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Folder, "s.db")}"))
        {
            await connection.OpenAsync();
            await using var relabel = connection.CreateCommand();
            relabel.CommandText = "UPDATE memory_embeddings SET embedder = $old";
            relabel.Parameters.AddWithValue("$old", PreviousEmbedder);
            Assert.Equal(2, await relabel.ExecuteNonQueryAsync());
        }

        var previous = new AgentMem.Retrieval.Embeddings.HashingEmbedder();
        var texts = new Dictionary<MemoryId, string> { [book.Id] = "मेरी किताब मेज़ पर है", [minar.Id] = "मैंने कुतुब मीनार देखा" };
        var stored = await Store.GetEmbeddingsAsync(Me.Tenant, cube.Id, PreviousEmbedder, null);
        await Store.PutEmbeddingsAsync(Me.Tenant, cube.Id, PreviousEmbedder, stored.Select(e => e with { Vector = previous.Embed(SplitAtMarks(texts[e.MemoryId])) }).ToList());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var reopened = new RetrievalState(Store, options: options);
        var hits = await new HybridRetriever(reopened).SearchAsync(request);
        Assert.False(reopened.RestoredFromSnapshot(Me.Tenant, cube.Id));
        await reopened.WaitForEmbeddingsAsync();
        Assert.Equal(2, reopened.EmbeddedTexts);
        Assert.Equal(2, (await Store.GetEmbeddingsAsync(Me.Tenant, cube.Id, reopened.EmbedderId, null)).Count);
        Assert.Equal(book.Id, hits[0].Item.Id);
        var lexical = await new HybridRetriever(reopened, new HybridOptions { Name = "lexical", VectorWeight = 0 }).SearchAsync(request);
        Assert.Equal([book.Id], lexical.Select(h => h.Item.Id));

        // The previous analysis: every combining mark ended its word.
        static string SplitAtMarks(string text) => string.Concat(text.EnumerateRunes().Select(r =>
            System.Text.Rune.GetUnicodeCategory(r) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark ? " " : r.ToString()));
    }

    [Fact]
    public async Task The_default_retrievers_take_any_window_radius_for_their_shared_state()
    {
        // The vector retriever's options kept the default radius of 2, which the shared state refused for any other.
        var retrievers = DefaultRetrievers.Create(Store, hybrid: new HybridOptions { WindowRadius = 1 });
        await using var os = new MemoryOS(Store, retrievers);

        Assert.Equal(["hybrid", "bm25", "vector"], retrievers.Select(r => r.Name));
        Assert.Equal(1, ((HybridRetriever)retrievers[0]).State.Options.WindowRadius);
        Assert.Equal(1, ((HybridRetriever)retrievers[2]).Options.WindowRadius);
        Assert.Same(((HybridRetriever)retrievers[0]).State, ((HybridRetriever)retrievers[2]).State);
    }

    [Fact]
    public void Default_retrievers_refused_on_their_options_dispose_the_embedder_they_were_handed()
    {
        // The embedder is handed over with the call (the CLI passes a new one inline): a call that throws left it, and
        // the state built around it, undisposed.
        var embedder = new DisposalCountingEmbedder();

        Assert.Throws<ArgumentOutOfRangeException>(() => DefaultRetrievers.Create(Store, embedder, new HybridOptions { VectorRangeDepth = -1 }));
        Assert.Equal(1, embedder.Disposals);

        var again = new DisposalCountingEmbedder();
        Assert.Throws<ArgumentOutOfRangeException>(() => DefaultRetrievers.Create(Store, again, state: new RetrievalStateOptions { ChangeBatch = 0 }));
        Assert.Equal(1, again.Disposals);
    }

    [Fact]
    public async Task Disposing_the_memory_os_of_the_default_retrievers_checkpoints_their_shared_state()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var random = new Random(11);
        await using (var os = new MemoryOS(Store, DefaultRetrievers.Create(Store, state: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 })))
        {
            await os.CreateCubeAsync(Me, "c");
            await os.AddBatchAsync(Me, "c", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
            Assert.NotEmpty(await os.SearchAsync(Me, "c", "tea"));
            await os.AddAsync(Me, "c", new MemoryDraft("the last words before zorblax"));
            Assert.NotEmpty(await os.SearchAsync(Me, "c", "zorblax"));
        }

        // The snapshot was written on close, at the cube's latest change: the last write is in it.
        string snapshot = Directory.EnumerateFiles(indexes, CubeIndexFile.FileName, SearchOption.AllDirectories).Single();
        Assert.True(File.ReadAllBytes(snapshot).AsSpan().IndexOf("zorblax"u8) >= 0);
    }

    [Fact]
    public async Task Deleting_a_cube_drops_its_cached_index_and_removes_its_index_folder_and_a_search_is_refused()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var random = new Random(13);
        var retrievers = DefaultRetrievers.Create(Store, state: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 });
        var state = ((HybridRetriever)retrievers[0]).State;
        await using var os = new MemoryOS(Store, retrievers);
        var doomed = await os.CreateCubeAsync(Me, "doomed");
        var kept = await os.CreateCubeAsync(Me, "kept");
        await os.AddBatchAsync(Me, "doomed", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        await os.AddBatchAsync(Me, "kept", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        Assert.NotEmpty(await os.SearchAsync(Me, "doomed", "tea"));
        Assert.NotEmpty(await os.SearchAsync(Me, "kept", "tea"));
        state.Clear(); // checkpoints both cubes: their folders exist now
        string folder = state.CubeFolder(Me.Tenant, doomed.Id)!;
        Assert.True(Directory.Exists(folder));

        await os.DeleteCubeAsync(Me, "doomed");

        Assert.False(Directory.Exists(folder));
        Assert.Null(state.AppliedSequence(Me.Tenant, doomed.Id));
        Assert.True(Directory.Exists(state.CubeFolder(Me.Tenant, kept.Id)));
        await Assert.ThrowsAsync<MemoryCore.Errors.CubeNotFoundException>(() => os.SearchAsync(Me, "doomed", "tea"));
        Assert.NotEmpty(await os.SearchAsync(Me, "kept", "tea"));

        // A search (or background catch-up) that reached the state past the facade's check does not build the cube's index
        // again, which brought its folder back and held its lock after the delete.
        await Assert.ThrowsAsync<MemoryCore.Errors.CubeNotFoundException>(() => new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = doomed.Id }, 5)));
        Assert.False(Directory.Exists(folder));

        // Restored from its archive (as `agentmem import cube` does, keeping its id): searchable again in this process.
        var archive = await MemoryCore.Export.CubeArchiveWriter.ReadAsync(Store, kept, null);
        var again = archive.Cube with { Id = doomed.Id, Name = "doomed" };
        var histories = archive.Memories.Select(h =>
        {
            var id = MemoryId.NewId(); // one id for all the versions of a memory, not the kept cube's
            return (IReadOnlyList<MemoryItem>)h.Select(v => v with { CubeId = doomed.Id, Id = id }).ToList();
        }).ToList();
        await Store.RestoreCubeAsync(again, histories, new AuditRecord(DateTimeOffset.UtcNow, Me.Tenant, Me.User, null, "import", doomed.Id, null, null, "test"));
        Assert.NotEmpty(await new HybridRetriever(state).SearchAsync(new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = doomed.Id }, 5)));
    }

    [Theory]
    [InlineData("../..")]
    [InlineData("..")]
    [InlineData("cube1")]
    public void A_cube_id_that_is_not_an_id_names_no_index_folder(string cubeId)
    {
        // The folder is deleted recursively with its cube: "../.." named the database's own folder. Such a cube (imported
        // before the archive reader checked ids) keeps its index in memory, so its delete and its searches do not fail.
        using var state = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = Path.Combine(Folder, "s.db.index") });
        Assert.Null(state.CubeFolder(Me.Tenant, cubeId));
        Assert.StartsWith(Path.Combine(Folder, "s.db.index"), state.CubeFolder(Me.Tenant, MemoryId.NewId().ToString()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_rewrites_the_snapshot_only_when_the_index_moved_past_it()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 };
        var random = new Random(12);
        await using var plain = new MemoryOS(Store, new Bm25Retriever(Store)); // another process: no index of its own
        var cube = await plain.CreateCubeAsync(Me, "c");
        await plain.AddBatchAsync(Me, "c", Enumerable.Range(0, 30).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        var request = new SearchRequest(Me.Tenant, "tea", new MemoryFilter { CubeId = cube.Id }, 5);
        using (var first = new RetrievalState(Store, options: options))
        {
            await new HybridRetriever(first).SearchAsync(request); // built from the store: snapshotted
        }

        string snapshot = Directory.EnumerateFiles(indexes, CubeIndexFile.FileName, SearchOption.AllDirectories).Single();
        var written = File.GetLastWriteTimeUtc(snapshot);
        using (var restored = new RetrievalState(Store, options: options))
        {
            await new HybridRetriever(restored).SearchAsync(request);
            Assert.True(restored.RestoredFromSnapshot(Me.Tenant, cube.Id));
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(snapshot)); // nothing new: not rewritten

        await plain.AddAsync(Me, "c", new MemoryDraft("a late zqwvx arrives"));
        using (var caughtUp = new RetrievalState(Store, options: options))
        {
            Assert.Single(await new HybridRetriever(caughtUp).SearchAsync(request with { Query = "zqwvx" }));
        }

        Assert.True(File.ReadAllBytes(snapshot).AsSpan().IndexOf("zqwvx"u8) >= 0, "the write caught up after the restore is in the snapshot");
    }

    [Fact]
    public async Task A_purge_leaves_no_trace_in_the_snapshot_whether_the_owner_is_open_or_not()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        var options = new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 };
        await using var plain = new MemoryOS(Store, new Bm25Retriever(Store)); // another process: no index of its own
        var (cube, first, second) = await PurgeFixtureAsync(plain);
        var request = new SearchRequest(Me.Tenant, "xylophonequasar", new MemoryFilter { CubeId = cube.Id }, 5);

        // The owner is open when another process purges: its next search applies the purge and rewrites the snapshot.
        using (var owner = new RetrievalState(Store, options: options))
        {
            Assert.Equal(2, (await new HybridRetriever(owner).SearchAsync(request)).Count);
            Assert.True(SnapshotHolds(indexes, "xylophonequasar"));
            Assert.True(SnapshotHolds(indexes, "zebrafonequark"));
            await plain.PurgeAsync(Me, first);
            Assert.Single(await new HybridRetriever(owner).SearchAsync(request));
            Assert.False(SnapshotHolds(indexes, "zebrafonequark"));
        }

        // Nobody has the cube open: the purging process (composed with the index folder) deletes the snapshot itself.
        using var purger = new RetrievalState(Store, options: options);
        await using (var withIndex = new MemoryOS(Store, new HybridRetriever(purger)))
        {
            Assert.True(SnapshotHolds(indexes, "xylophonequasar"));
            await withIndex.PurgeAsync(Me, second);
            Assert.False(SnapshotHolds(indexes, "xylophonequasar"));
        }
    }

    [Fact]
    public async Task A_purge_made_through_the_owner_leaves_no_trace_in_the_snapshot_when_the_cube_is_closed_before_its_next_search()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        using var owner = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 10 });
        await using var os = new MemoryOS(Store, new HybridRetriever(owner));
        var (_, first, _) = await PurgeFixtureAsync(os);
        Assert.Equal(2, (await os.SearchAsync(Me, "c", "xylophonequasar")).Count);
        Assert.True(SnapshotHolds(indexes, "zebrafonequark"));

        // The owner's own purge deletes the snapshot; closing the cube (as eviction or dispose does) before a search
        // applied the purge must not write it back from the index in memory.
        await os.PurgeAsync(Me, first);
        owner.Clear();
        Assert.False(SnapshotHolds(indexes, "zebrafonequark"));
        Assert.Single(await os.SearchAsync(Me, "c", "xylophonequasar"));
    }

    [Fact]
    public async Task A_purge_that_takes_the_cube_below_the_snapshot_minimum_leaves_no_trace_in_the_snapshot()
    {
        string indexes = Path.Combine(Folder, "s.db.index");
        await using var plain = new MemoryOS(Store, new Bm25Retriever(Store)); // another process: no index of its own
        var (cube, first, _) = await PurgeFixtureAsync(plain);
        var request = new SearchRequest(Me.Tenant, "xylophonequasar", new MemoryFilter { CubeId = cube.Id }, 5);
        using var owner = new RetrievalState(Store, options: new RetrievalStateOptions { IndexDirectory = indexes, SnapshotMinimum = 42 });
        Assert.Equal(2, (await new HybridRetriever(owner).SearchAsync(request)).Count);
        Assert.True(SnapshotHolds(indexes, "zebrafonequark"));

        // 41 memories are left: too few to keep a snapshot, so the one holding the purged text goes.
        await plain.PurgeAsync(Me, first);
        Assert.Single(await new HybridRetriever(owner).SearchAsync(request));
        Assert.False(SnapshotHolds(indexes, "zebrafonequark"));
    }

    /// <summary>A cube "c" of 42 memories, two of them naming a xylophonequasar (the first also a zebrafonequark).</summary>
    private static async Task<(MemoryCore.Cubes.MemCube Cube, MemoryId First, MemoryId Second)> PurgeFixtureAsync(MemoryOS os)
    {
        var random = new Random(9);
        var cube = await os.CreateCubeAsync(Me, "c");
        await os.AddBatchAsync(Me, "c", Enumerable.Range(0, 40).Select(i => new MemoryDraft($"{Sentence(random)} number{i}")).ToList());
        var first = await os.AddAsync(Me, "c", new MemoryDraft("the xylophonequasar sits in the attic with a zebrafonequark"));
        var second = await os.AddAsync(Me, "c", new MemoryDraft("another xylophonequasar hides in the cellar"));
        return (cube, first.Id, second.Id);
    }

    private static bool SnapshotHolds(string indexes, string token) => Directory.EnumerateFiles(indexes, CubeIndexFile.FileName, SearchOption.AllDirectories)
        .Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)) >= 0);

    private static void AssertSameRanking(IReadOnlyList<SearchHit> want, IReadOnlyList<SearchHit> got, string query)
    {
        Assert.True(want.Count == got.Count, $"'{query}': {want.Count} hits after a rebuild, {got.Count} incrementally");
        for (int i = 0; i < want.Count; i++)
        {
            Assert.True(Math.Abs(want[i].Score - got[i].Score) < 1e-4, $"'{query}' rank {i}: {want[i].Score} vs {got[i].Score}");
            bool tied = (i > 0 && Math.Abs(want[i].Score - want[i - 1].Score) < 1e-4) || (i + 1 < want.Count && Math.Abs(want[i].Score - want[i + 1].Score) < 1e-4);
            if (!tied)
            {
                Assert.Equal(want[i].Item.Id, got[i].Item.Id);
            }
        }
    }

    private static string Sentence(Random random) =>
        string.Join(' ', Enumerable.Range(0, 4 + random.Next(6)).Select(_ => Words[random.Next(Words.Length)]));

    /// <summary>A model-like embedder whose queries wait for <see cref="Open"/>, and which notes being disposed under one.</summary>
    private sealed class HeldQueryEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly AgentMem.Retrieval.Embeddings.HashingEmbedder hashing = new(16);
        private readonly EmbeddingGeneratorMetadata metadata = new("test-held", null, "held-v1", 16);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool DisposedDuringCall { get; private set; }

        public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (options is not null) // a query (stored texts are embedded without options)
            {
                Entered.TrySetResult();
                await Open.Task;
                DisposedDuringCall |= Disposed.Task.IsCompleted;
            }

            return new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(hashing.Embed(v))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose() => Disposed.TrySetResult();
    }

    /// <summary>Hashed vectors of <paramref name="dimension"/> under an id without a dimension, as the OpenAI-compatible generator's without Dimensions.</summary>
    private sealed class UnsizedEmbedder(int dimension) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly AgentMem.Retrieval.Embeddings.HashingEmbedder hashing = new(dimension);
        private readonly EmbeddingGeneratorMetadata metadata = new("test-unsized", null, "same-name", null);

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(hashing.Embed(v)))));

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }

    /// <summary>Vectors of 8 whose fourth component is NaN, as a broken model might return.</summary>
    /// <summary>Embeds every text as (1, 0, 0, <c>bad</c>, 0, 0, 0, 0).</summary>
    private sealed class UnindexableEmbedder(float bad) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly EmbeddingGeneratorMetadata metadata = new("test-bad", null, "bad-v1", 8);

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(new[] { 1f, 0f, 0f, bad, 0f, 0f, 0f, 0f }))));

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose()
        {
        }
    }

    private sealed class DisposalCountingEmbedder : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly EmbeddingGeneratorMetadata metadata = new("test-counting", null, "counting-v1", 8);

        public int Disposals { get; private set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(_ => new Embedding<float>(new float[8]))));

        public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(metadata) ? metadata : null;

        public void Dispose() => Disposals++;
    }
}
