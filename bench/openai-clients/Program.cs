// Per-request cost of the hand-written OpenAI-compatible clients (removed in the "one client stack" change; compiled here
// from git history by compare.sh) against the OpenAI SDK stack (OpenAICompatibleClients), both talking to the same
// scripted loopback server in one process. Rounds alternate old/new so drift on a shared machine hits both alike.
//
//   bench/openai-clients/compare.sh [requests per round] [rounds] [git rev with the old clients (707f3c8^, the commit before their removal)]
using System.Diagnostics;
using System.Globalization;
using AgentMem.Agents.Clients;
using AgentMem.Retrieval.Embeddings.Http;
using AgentMem.Retrieval.OpenAICompatible;
using AgentMem.TestSupport;
using Microsoft.Extensions.AI;

int perRound = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
const string ChatAnswer = """{"id":"c1","model":"tiny","choices":[{"index":0,"message":{"role":"assistant","content":"Oslo is the capital of Norway."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}""";

await using var server = new ScriptedHttpServer((_, request) => Task.FromResult(request.Path.EndsWith("/embeddings", StringComparison.Ordinal)
    ? ScriptedHttpServer.Embeddings(request)
    : new ScriptedResponse(200, ChatAnswer)));

using IChatClient oldChat = new OpenAICompatibleChatClient(server.BaseUrl, "tiny", "sk-test");
using IChatClient newChat = OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions { BaseUrl = server.BaseUrl, Model = "tiny", ApiKey = "sk-test" });
using IEmbeddingGenerator<string, Embedding<float>> oldEmbed = new OpenAICompatibleEmbeddingGenerator(new OpenAICompatibleEmbeddingOptions { BaseUrl = server.BaseUrl, Model = "e", ApiKey = "sk-test" });
using IEmbeddingGenerator<string, Embedding<float>> newEmbed = OpenAICompatibleClients.CreateEmbeddingGenerator(new OpenAICompatibleOptions { BaseUrl = server.BaseUrl, Model = "e", ApiKey = "sk-test" });

ChatMessage[] messages = [new(ChatRole.System, "Answer briefly."), new(ChatRole.User, "What is the capital of Norway?")];
string[] inputs = Enumerable.Range(0, 8).Select(i => $"memory number {i} about the user's cat").ToArray();
var cases = new (string Name, Func<Task> Call)[]
{
    ("chat, old", async () => Check((await oldChat.GetResponseAsync(messages)).Text)),
    ("chat, new", async () => Check((await newChat.GetResponseAsync(messages)).Text)),
    ("embed 8, old", async () => CheckCount((await oldEmbed.GenerateAsync(inputs)).Count)),
    ("embed 8, new", async () => CheckCount((await newEmbed.GenerateAsync(inputs)).Count)),
};

foreach (var c in cases)
{
    for (int i = 0; i < 200; i++)
    {
        await c.Call();
    }
}

var micros = cases.ToDictionary(c => c.Name, _ => new List<double>());
var bytes = cases.ToDictionary(c => c.Name, _ => new List<double>());
for (int round = 0; round < rounds; round++)
{
    foreach (var c in cases)
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < perRound; i++)
        {
            await c.Call();
        }

        micros[c.Name].Add(clock.Elapsed.TotalMicroseconds / perRound);
        bytes[c.Name].Add((GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)perRound);
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} rounds x {perRound} sequential requests per case, loopback, {Environment.ProcessorCount} cores; median over rounds (min-max)"));
Console.WriteLine("case            us/request (min-max)           allocated bytes/request (client + server)");
foreach (var c in cases)
{
    var t = micros[c.Name].Order().ToArray();
    var b = bytes[c.Name].Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-15} {t[t.Length / 2],8:0.0} ({t[0]:0.0}-{t[^1]:0.0})        {b[b.Length / 2],10:0}"));
}

return 0;

static void Check(string text)
{
    if (text != "Oslo is the capital of Norway.")
    {
        throw new InvalidOperationException("unexpected answer: " + text);
    }
}

static void CheckCount(int count)
{
    if (count != 8)
    {
        throw new InvalidOperationException($"unexpected count {count}");
    }
}
