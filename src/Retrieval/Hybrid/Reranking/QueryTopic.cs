using System.Text.RegularExpressions;

namespace AgentMem.Retrieval.Hybrid.Reranking;

/// <summary>The query without the actor names it mentions: what is asked, for the reranker's "topic" features.</summary>
public static class QueryTopic
{
    /// <summary>
    /// <paramref name="query"/> with every word of each name in <paramref name="actors"/> removed (whole words, any case, with
    /// a possessive 's), spaces collapsed; null when no actor is given or nothing was removed.
    /// </summary>
    public static string? WithoutActors(string query, IEnumerable<string>? actors)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (actors is null)
        {
            return null;
        }

        string topic = query;
        foreach (string actor in actors)
        {
            foreach (string word in actor.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                topic = Regex.Replace(topic, @"\b" + Regex.Escape(word) + @"(?:'s|’s)?\b", string.Empty, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
        }

        topic = Regex.Replace(topic, @"\s+", " ", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)).Trim();
        return topic == query ? null : topic;
    }
}
