namespace AgentMem.Cli.Commands;

/// <summary>The one check every verb that talks to an OpenAI-compatible endpoint (chat or embeddings) makes on its base URL.</summary>
internal static class EndpointUrl
{
    /// <summary>
    /// The URL as an absolute http(s) <see cref="Uri"/>; a one-line error naming <paramref name="source"/> (the flag or
    /// variable) and <paramref name="endpoint"/> otherwise ("localhost:11434/v1" parses as a URL of scheme "localhost").
    /// </summary>
    public static Uri Parse(string url, string source, string endpoint = "the chat endpoint")
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new MemoryValidationException($"{source} '{url}' is not an http(s) URL for {endpoint}.");
        }

        return uri;
    }
}
