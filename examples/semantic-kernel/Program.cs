// AgentMem in a Semantic Kernel app: one call adds the memory tools (and the core block tools) as a plugin, and with
// FunctionChoiceBehavior.Auto() the model remembers and searches through them. The core blocks are put in the system
// message of each request by the app.
//
//   AGENTMEM_CHAT_BASE_URL=http://127.0.0.1:11434/v1 AGENTMEM_CHAT_MODEL=llama3.2 \
//     dotnet run --project examples/semantic-kernel -- [database file] [message ...]
//
// The key, if the server needs one, goes in AGENTMEM_CHAT_API_KEY, else OPENAI_API_KEY.
using AgentMem.Agents.Blocks;
using AgentMem.Agents.SemanticKernel;
using AgentMem.Agents.Tools;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using AgentMem.Retrieval.Hybrid;
using AgentMem.Retrieval.Lexical;
using AgentMem.Retrieval.OpenAICompatible;
using AgentMem.Stores.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

string? baseUrl = Environment.GetEnvironmentVariable("AGENTMEM_CHAT_BASE_URL");
string? modelName = Environment.GetEnvironmentVariable("AGENTMEM_CHAT_MODEL");
if (string.IsNullOrWhiteSpace(baseUrl) || string.IsNullOrWhiteSpace(modelName) || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var endpoint))
{
    Console.Error.WriteLine("No chat endpoint configured. Set AGENTMEM_CHAT_BASE_URL (an OpenAI-compatible API base, e.g. http://127.0.0.1:11434/v1)");
    Console.Error.WriteLine("and AGENTMEM_CHAT_MODEL (e.g. llama3.2); a key, if needed, in AGENTMEM_CHAT_API_KEY or OPENAI_API_KEY.");
    return 1;
}

string? apiKey = Environment.GetEnvironmentVariable("AGENTMEM_CHAT_API_KEY") is { Length: > 0 } key ? key : Environment.GetEnvironmentVariable("OPENAI_API_KEY");
string dbPath = args.Length > 0 ? args[0] : "sk-example.db";
string[] messages = args.Length > 1 ? args[1..] : ["Please remember that my cat is called Miso.", "What is my cat called?"];
IChatClient model = OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions { BaseUrl = endpoint, Model = modelName, ApiKey = apiKey, Timeout = TimeSpan.FromSeconds(60) });

// --- README "Semantic Kernel" snippet: start ---
var store = SqliteMemoryStore.Open(dbPath);
await using var memory = new MemoryOS(store, [new HybridRetriever(store), new Bm25Retriever(store)]);

var ann = new Scope("acme", user: "ann");
var blocks = new CoreMemoryBlocks(memory);
var builder = Kernel.CreateBuilder();
IChatClient client = new ChatClientBuilder(model).UseKernelFunctionInvocation().Build();
// The model reads how to fix a bad call, not only "Error: Function failed." (SK's invoking client is a FunctionInvokingChatClient).
client.GetService<FunctionInvokingChatClient>()!.IncludeDetailedErrors = true;
builder.Services.AddSingleton(client.AsChatCompletionService());
builder.Plugins.AddAgentMem(memory, ann, cube: "ann", new AgentMemPluginOptions { CoreBlocks = blocks }); // the one call
var kernel = builder.Build();

var chat = kernel.GetRequiredService<IChatCompletionService>();
var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
foreach (string message in messages)
{
    // A fresh history per message: what carries over is in memory, not in the chat. The core blocks are read again for
    // each message and shown in the system message: the plugin's block tools write them, the app shows them.
    string core = await CoreBlockTools.RenderAsync(blocks, ann, "ann");
    var history = new ChatHistory($"You have a long-term memory. Remember facts the user tells you; search memory before answering questions about the user.\n\n{core}");
    history.AddUserMessage(message);
    try
    {
        var reply = await chat.GetChatMessageContentAsync(history, settings, kernel);
        Console.WriteLine($"> {message}\n{reply.Content}\n");
    }
    catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
    {
        Console.Error.WriteLine($"The chat endpoint {endpoint} failed: {e.Message}");
        return 1;
    }
}
// --- README "Semantic Kernel" snippet: end ---

return 0;
