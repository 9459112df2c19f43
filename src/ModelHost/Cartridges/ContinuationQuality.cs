namespace AgentMem.ModelHost;

/// <summary>How closely decoding from a candidate cache follows decoding from a reference cache (<see cref="CacheComparison"/>).</summary>
/// <param name="Steps">Continuation tokens compared.</param>
/// <param name="Top1Agreement">Teacher-forced: share of steps whose greedy next token is the same under both caches.</param>
/// <param name="MeanKl">Teacher-forced: mean KL(reference ‖ candidate) of the next-token distributions, in nats.</param>
/// <param name="ReferencePerplexity">Perplexity of the reference's greedy continuation under the reference cache.</param>
/// <param name="CandidatePerplexity">Perplexity of the same continuation under the candidate cache.</param>
/// <param name="GreedyMatches">Free-running: share of positions where the two greedy continuations have the same token.</param>
/// <param name="GreedyCommonPrefix">Free-running: how many leading greedy tokens are identical.</param>
public sealed record ContinuationQuality(int Steps, double Top1Agreement, double MeanKl, double ReferencePerplexity, double CandidatePerplexity, double GreedyMatches, int GreedyCommonPrefix);
