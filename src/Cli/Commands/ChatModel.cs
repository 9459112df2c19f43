namespace AgentMem.Cli.Commands;

/// <summary>The model <c>chat</c> talks to, as <see cref="ChatModelFlags"/> resolved it.</summary>
/// <param name="Client">The chat client; the caller disposes it.</param>
/// <param name="Endpoint">What errors name: the endpoint's URL or the local model's path.</param>
/// <param name="LocalContextTokens">The local model's context length, which the whole prompt and reply must fit; null for an endpoint.</param>
/// <param name="ChatTemplate">The local model's chat template (<c>plain</c>, <c>chatml</c>, <c>llama3</c>); null for an endpoint.</param>
internal sealed record ChatModel(IChatClient Client, string Endpoint, int? LocalContextTokens, string? ChatTemplate);
