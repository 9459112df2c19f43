using System.Diagnostics;
using AgentMem.MemoryCore.Export;
using AgentMem.MemoryCore.Import;
using AgentMem.MemoryCore.Ports;
using AgentMem.ModelHost;
using AgentMem.Retrieval.Spann;
using AgentMem.Retrieval.Vectors;
using AgentMem.Stores.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// Builds a valid sample of every file format we read and names its reader. The database and cube archive come from the
/// CLI (import of the example conversation, then export), the indexes from the libraries, the model files (checkpoint, tokenizer) from
/// <c>../shared/models/stories260K</c> when present. LoRA adapters have no file format yet, so there is nothing to fuzz; safetensors (Hugging Face checkpoints) is left out: its reader is internal and a checkpoint folder needs a full model.
/// </summary>
internal static class FormatSamples
{
    public static IReadOnlyList<FormatTarget> Build(CampaignOptions options, string repoRoot, string folder)
    {
        Directory.CreateDirectory(folder);
        var targets = new List<FormatTarget>();

        string db = Path.Combine(folder, "valid.db");
        string conversation = Path.Combine(repoRoot, "examples", "conversations", "sample-conversation.json");
        string cube = Path.Combine(folder, "valid.cube.jsonl");
        RunCli(options.CliDll, "--db", db, "import", "conversation", conversation);
        RunCli(options.CliDll, "--db", db, "export", "--out", cube);
        targets.Add(new FormatTarget("SQLite database", db, ReadDatabase));
        targets.Add(new FormatTarget("cube archive (agentmem.cube)", cube,
            path => CubeArchiveReader.ReadFileAsync(path, "default").GetAwaiter().GetResult()));
        targets.Add(new FormatTarget("conversation import", conversation,
            path => ConversationReader.ReadFileAsync(path).GetAwaiter().GetResult()));
        string mem0 = Path.Combine(repoRoot, "tests", "Cli.Tests", "Fixtures", "mem0-export.json");
        targets.Add(new FormatTarget("Mem0 import", mem0, path => Mem0Reader.ReadFile(path, "default", "cube1")));

        var random = new Random(options.Seed);
        string hnsw = Path.Combine(folder, "valid.hnsw");
        using (var index = new HnswIndex(8, VectorMetric.Cosine))
        {
            for (int i = 0; i < 300; i++)
            {
                index.Add(i, RandomVector(random, 8));
            }

            index.Save(hnsw);
        }

        targets.Add(new FormatTarget("HNSW index", hnsw, path => { using var index = HnswIndex.Load(path); index.Search(RandomVector(new Random(1), 8), 5); }));

        string spann = Path.Combine(folder, "spann");
        using (var index = SpannIndex.Create(spann, 8, VectorMetric.L2))
        {
            for (int i = 0; i < 400; i++)
            {
                index.Add(i, RandomVector(random, 8));
            }

            index.Checkpoint();
            for (int i = 400; i < 420; i++)
            {
                index.Add(i, RandomVector(random, 8)); // left in the write-ahead log
            }
        }

        // The lock file is empty and never read: there is nothing in it to damage.
        foreach (string file in Directory.GetFiles(spann).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            targets.Add(new FormatTarget($"SPANN {Path.GetFileName(file)}", file, ReadSpann, spann));
        }

        string stories = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "models", "stories260K"));
        if (File.Exists(Path.Combine(stories, "stories260K.bin")))
        {
            string checkpoint = Path.Combine(stories, "stories260K.bin");
            string tokenizerFile = Path.Combine(stories, "tok512.bin");
            var model = LlamaModel.Load(checkpoint);
            var tokenizer = SentencePieceBpeTokenizer.Load(tokenizerFile, 512);
            string cartridge = Path.Combine(folder, "valid.amkv");
            new Generator(model, tokenizer).CreateCartridge("Once upon a time, there was a little girl", model.CreateCache()).Save(cartridge);
            targets.Add(new FormatTarget("KV cartridge", cartridge, path => KvCartridge.LoadInto(path, model, model.CreateCache())));
            targets.Add(new FormatTarget("llama2.c checkpoint", checkpoint, path => Llama2cCheckpoint.Load(path)));
            targets.Add(new FormatTarget("SentencePiece tokenizer", tokenizerFile, path => SentencePieceBpeTokenizer.Load(path, 512).Encode("Once upon a time")));
        }
        else
        {
            Console.WriteLine($"  {stories} is missing: KV cartridge, checkpoint and tokenizer are not fuzzed");
        }

        return targets;
    }

    // Opens the store and reads through every table a request touches: cubes, memories (rows and their JSON columns), history, audit, stats, FTS.
    private static void ReadDatabase(string path)
    {
        try
        {
            var store = SqliteMemoryStore.Open(path);
            using var closing = new Closing(store);
            foreach (var cube in store.ListCubesAsync("default").GetAwaiter().GetResult())
            {
                var items = store.ListAsync("default", new MemoryFilter { CubeId = cube.Id, States = [.. Enum.GetValues<AgentMem.MemoryCore.Model.LifecycleState>()] }, 1000).GetAwaiter().GetResult();
                foreach (var item in items.Take(5))
                {
                    store.GetHistoryAsync("default", item.Id).GetAwaiter().GetResult();
                }

                store.SearchLexicalAsync("default", new LexicalQuery(["support", "group"], new MemoryFilter { CubeId = cube.Id }, 5)).GetAwaiter().GetResult();
            }

            store.ReadAuditAsync("default").GetAwaiter().GetResult();
            store.GetStatsAsync("default", null).GetAwaiter().GetResult();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    // SqliteMemoryStore is only IAsyncDisposable; the readers here are synchronous.
    private sealed class Closing(IAsyncDisposable target) : IDisposable
    {
        public void Dispose() => target.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static void ReadSpann(string folder)
    {
        using var index = SpannIndex.Open(folder);
        index.Search(RandomVector(new Random(2), 8), 5);
    }

    private static float[] RandomVector(Random random, int dimension) => [.. Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble() - 0.5f)];

    private static void RunCli(string cliDll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(cliDll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"agentmem {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
        }
    }
}
