using System.Globalization;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// The child side of the kill and two-process tests: adds memories one per transaction and prints
/// "ack ID HASH" only after the commit has returned, so every printed id is an acknowledged write.
/// </summary>
internal static class ChildWriter
{
    /// <summary>--child-writer ENGINE PATH CUBE DATASET COUNT WAIT_FOR_GO; COUNT 0 means until killed.</summary>
    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 6)
        {
            Console.Error.WriteLine("usage: --child-writer ENGINE PATH CUBE DATASET COUNT WAIT_FOR_GO");
            return 2;
        }

        string engine = args[0], path = args[1], cube = args[2];
        var texts = Workload.Load(args[3]).Memories;
        int count = int.Parse(args[4], CultureInfo.InvariantCulture);
        bool waitForGo = bool.Parse(args[5]);
        IEngineUnderTest store;
        try
        {
            store = EngineKind.Open(engine, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or LiteDB.LiteException or TimeoutException)
        {
            Console.WriteLine($"error opening: {ex.GetType().Name}: {OneLine(ex.Message)}");
            return 3;
        }

        using (store)
        {
            Console.WriteLine("ready");
            if (waitForGo && Console.ReadLine() != "go")
            {
                return 4;
            }

            string tag = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            for (int n = 0; count == 0 || n < count; n++)
            {
                var source = texts[n % texts.Count];
                var item = Workload.NewMemory(cube, $"[{tag}#{n}] {source.Text}", source.Provenance.Actor!, source.Provenance.SourceRef!, DateTimeOffset.UtcNow);
                try
                {
                    store.Add([item]);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException or LiteDB.LiteException or TimeoutException or Microsoft.Data.Sqlite.SqliteException)
                {
                    Console.WriteLine($"error after {n} adds: {ex.GetType().Name}: {OneLine(ex.Message)}");
                    return 5;
                }

                Console.WriteLine($"ack {item.Id} {item.ContentHash}");
            }

            Console.WriteLine("done");
        }

        return 0;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
