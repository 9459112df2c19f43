namespace AgentMem.Cli.Commands;

/// <summary>The one check every verb that talks to an OpenAI-compatible chat endpoint makes on its base URL.</summary>
internal static class ChatEndpointUrl
{
    /// <summary>The URL as an absolute http(s) <see cref="Uri"/>; a one-line error naming <paramref name="source"/> (the flag or variable) otherwise.</summary>
    public static Uri Parse(string url, string source)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new MemoryValidationException($"{source} '{url}' is not an http(s) URL for the chat endpoint.");
        }

        return uri;
    }
}
