using AgentMem.Retrieval.OpenAICompatible;
using Microsoft.Extensions.AI;

namespace AgentMem.Retrieval.Tests.OpenAICompatible;

/// <summary>The chat client the tests talk through: the production factory, with short retry waits.</summary>
internal static class ChatClientFactory
{
    public static IChatClient Create(Uri baseUrl, string? apiKey = null, int maxRetries = 3, double timeoutSeconds = 30) =>
        OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions
        {
            BaseUrl = baseUrl,
            Model = "tiny",
            ApiKey = apiKey,
            MaxRetries = maxRetries,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            FirstRetryDelay = TimeSpan.FromMilliseconds(5),
        });
}
