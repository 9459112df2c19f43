using System.Text.Json;
using AgentMem.Agents.Blocks;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using static AgentMem.Agents.Tests.ScriptedChatClient;

namespace AgentMem.Agents.SemanticKernel.Tests;

public sealed class AgentMemPluginTests : IAsyncLifetime
{
    private static readonly Scope Ann = new("acme", user: "ann");
    private readonly TempMemory temp = new();

    // xunit v2 calls IAsyncLifetime, not IAsyncDisposable, on a test class: the temporary database is removed here.
    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => temp.DisposeAsync().AsTask();

    [Fact]
    public void Kernel_plugins_AddAgentMem_adds_the_six_memory_functions_under_one_plugin()
    {
        var kernel = new Kernel();
        var plugin = kernel.Plugins.AddAgentMem(temp.Memory, Ann, "ann");

        Assert.Same(plugin, kernel.Plugins[AgentMemPlugin.DefaultName]);
        Assert.Equal(
            ["memory_add", "memory_delete", "memory_history", "memory_links", "memory_search", "memory_update"],
            plugin.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.All(plugin, f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
        var text = plugin["memory_add"].Metadata.Parameters.Single(p => p.Name == "text");
        Assert.True(text.IsRequired);
        Assert.Contains("The fact or event to remember", text.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_name_the_plugin_and_add_the_core_block_tools()
    {
        var builder = Kernel.CreateBuilder();
        builder.Plugins.AddAgentMem(temp.Memory, Ann, "ann", new AgentMemPluginOptions { PluginName = "mem", CoreBlocks = new CoreMemoryBlocks(temp.Memory) });
        var kernel = builder.Build();

        var plugin = kernel.Plugins["mem"];
        Assert.Equal(8, plugin.FunctionCount);
        Assert.True(plugin.Contains("core_memory_append"));
        Assert.True(plugin.Contains("core_memory_replace"));
    }

    [Fact]
    public async Task Kernel_InvokeAsync_runs_memory_add_against_the_store()
    {
        var kernel = new Kernel();
        kernel.Plugins.AddAgentMem(temp.Memory, Ann, "ann");

        var result = await kernel.InvokeAsync(AgentMemPlugin.DefaultName, "memory_add", new KernelArguments { ["text"] = "Ann's cat is called Miso" });

        using (var added = JsonDocument.Parse(Json(result.GetValue<object>())))
        {
            Assert.True(added.RootElement.GetProperty("created").GetBoolean());
        }

        var hits = await temp.Memory.SearchAsync(Ann, "ann", "cat Miso", 5);
        Assert.Equal("Ann's cat is called Miso", Assert.Single(hits).Item.Text);
    }

    [Fact]
    public async Task Auto_function_calling_adds_then_searches_and_the_search_result_reaches_the_model()
    {
        using var model = new ScriptedChatClient(
            Call("call-1", ToolName("memory_add"), new() { ["text"] = "Ann's cat is called Miso", ["tags"] = new[] { "pet" } }),
            Call("call-2", ToolName("memory_search"), new() { ["query"] = "what is the cat called", ["k"] = 3 }),
            Say("Your cat is called Miso."));
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(ChatService(model));
        builder.Plugins.AddAgentMem(temp.Memory, Ann, "ann");
        var kernel = builder.Build();

        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("Remember facts about the user and search memory before answering.");
        history.AddUserMessage("My cat is called Miso. What is my cat called?");
        var reply = await chat.GetChatMessageContentAsync(history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        Assert.Equal("Your cat is called Miso.", reply.Content);
        Assert.Equal(3, model.Requests.Count);

        // The model was offered the plugin's functions.
        var offered = model.Requests[0].Options?.Tools?.Select(t => t.Name).ToList() ?? [];
        Assert.Contains(ToolName("memory_add"), offered);
        Assert.Contains(ToolName("memory_search"), offered);

        // SK invoked memory_add: the memory is in the real store.
        var stored = await temp.Memory.SearchAsync(Ann, "ann", "cat Miso", 5);
        var item = Assert.Single(stored).Item;
        Assert.Equal("Ann's cat is called Miso", item.Text);
        Assert.Contains("pet", item.Tags);

        // The add's result went back to the model in the second round ...
        var addResult = Assert.Single(Results(model.Requests[1].Messages));
        Assert.Equal("call-1", addResult.CallId);
        Assert.Contains(item.Id.ToString(), Json(addResult.Result), StringComparison.Ordinal);

        // ... and the search's result, holding the memory, in the third.
        var searchResult = Assert.Single(Results(model.Requests[2].Messages), r => r.CallId == "call-2");
        Assert.Null(searchResult.Exception);
        string found = Json(searchResult.Result);
        Assert.Contains("Ann's cat is called Miso", found, StringComparison.Ordinal);
        Assert.Contains(item.Id.ToString(), found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokePromptAsync_with_auto_function_choice_uses_the_plugin()
    {
        using var model = new ScriptedChatClient(
            Call("call-1", ToolName("memory_add"), new() { ["text"] = "Ann works as a nurse in Lyon" }),
            Say("Noted."));
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(ChatService(model));
        builder.Plugins.AddAgentMem(temp.Memory, Ann, "ann");
        var kernel = builder.Build();

        var answer = await kernel.InvokePromptAsync("I work as a nurse in Lyon.", new(new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        Assert.Equal("Noted.", answer.ToString());
        var hits = await temp.Memory.SearchAsync(Ann, "ann", "nurse", 5);
        Assert.Equal("Ann works as a nurse in Lyon", Assert.Single(hits).Item.Text);
    }

    [Fact]
    public async Task A_bad_call_reaches_the_model_as_an_error_and_stores_nothing()
    {
        using var model = new ScriptedChatClient(
            Call("call-1", ToolName("memory_search"), new() { ["query"] = "cat", ["mode"] = "psychic" }),
            Say("Sorry."));
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(ChatService(model));
        builder.Plugins.AddAgentMem(temp.Memory, Ann, "ann");
        var kernel = builder.Build();

        var history = new ChatHistory();
        history.AddUserMessage("What is my cat called?");
        await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        // Result is what the function-invoking client sends back to the model; Exception stays in the host.
        var result = Assert.Single(Results(model.Requests[1].Messages));
        Assert.Equal("call-1", result.CallId);
        Assert.Contains("mode must be hybrid, bm25 or vector", Json(result.Result), StringComparison.Ordinal);
    }

    /// <summary>The chat service over <paramref name="model"/>, built as examples/semantic-kernel builds it.</summary>
    private static IChatCompletionService ChatService(IChatClient model)
    {
        IChatClient client = new ChatClientBuilder(model).UseKernelFunctionInvocation().Build();
        client.GetService<FunctionInvokingChatClient>()!.IncludeDetailedErrors = true;
        return client.AsChatCompletionService();
    }

    /// <summary>The name Semantic Kernel gives a plugin function when it offers it to a model through an IChatClient.</summary>
    private static string ToolName(string function) => AgentMemPlugin.DefaultName + "_" + function;

    private static IEnumerable<FunctionResultContent> Results(IEnumerable<ChatMessage> messages) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>();

    private static string Json(object? value) => value switch
    {
        null => "",
        string s => s,
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(value),
    };
}
