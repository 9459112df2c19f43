namespace AgentMem.Retrieval.OpenAICompatible;

/// <summary>
/// An endpoint answered with a success status and a body the SDK cannot read (<see cref="ChatCompletionBodyPolicy"/>);
/// <see cref="EndpointFailure"/> turns it into the failure its caller handles, so it never reaches a host.
/// </summary>
internal sealed class UnusableAnswerException : Exception
{
    /// <summary>Creates the exception for an answer of <paramref name="status"/>; <paramref name="message"/> says what was wrong with it.</summary>
    public UnusableAnswerException(int status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The status answered.</summary>
    public int Status { get; }
}
