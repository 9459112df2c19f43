using AgentMem.Benchmarks.Datasets.Synthetic;
using AgentMem.Common.IO;

namespace AgentMem.Cli.Commands;

/// <summary><c>dataset longchat --out FILE</c>: writes the generated set of long technical conversations (docs/longchat.md) in LoCoMo's format.</summary>
internal static class DatasetCommand
{
    public static Command Create(Verbs verbs)
    {
        var defaults = new LongChatOptions();
        var output = new Option<string>("--out") { Description = "The JSON file to write, its folder created if missing (LoCoMo's schema; `bench longchat FILE` and `bench workload --dataset FILE` read it).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice: one seed, one dataset, byte for byte.", DefaultValueFactory = _ => defaults.Seed };
        var conversations = new Option<int>("--conversations") { Description = "Conversations (projects) to generate.", DefaultValueFactory = _ => defaults.Conversations };
        var sessions = new Option<int>("--sessions") { Description = "Sessions per conversation.", DefaultValueFactory = _ => defaults.SessionsPerConversation };
        var longchat = verbs.Create("longchat", "Generate the longchat evaluation set: user-assistant software conversations with long answers, pasted logs and code, and facts planted in one paragraph of a long message.", [output, seed, conversations, sessions], (ctx, parse, ct) =>
        {
            var options = new LongChatOptions
            {
                Seed = parse.GetValue(seed),
                Conversations = parse.GetValue(conversations),
                SessionsPerConversation = parse.GetValue(sessions),
            };
            Verb.Validate(options.Validate);
            string path = Path.GetFullPath(Parsing.OutputFile(ctx, parse.GetValue(output)));
            var dataset = LongChatGenerator.Generate(options);
            CrashSafeFile.Write(path, file => LocomoJsonWriter.Write(dataset, file));
            ctx.Output.Result(
                new { file = path, conversations = dataset.Conversations.Count, sessions = dataset.SessionCount, turns = dataset.TurnCount, questions = dataset.Questions.Count, sha256 = dataset.Sha256 },
                console => console.MarkupLine($"Wrote [bold]{TerminalText.Escape(path)}[/]: {dataset.Conversations.Count} conversations, {dataset.SessionCount} sessions, {dataset.TurnCount:N0} turns, {dataset.Questions.Count} questions (sha256 {dataset.Sha256[..12]}…)."));
            return Task.FromResult(0);
        });
        return new Command("dataset", "Generate evaluation datasets.") { longchat };
    }
}
