namespace AgentMem.Cli.Commands;

/// <summary>Builds QA options from flags or environment; owns the HTTP clients it creates.</summary>
internal sealed class QaSetup : IDisposable
{
    private readonly List<IDisposable> owned = [];

    private QaSetup()
    {
    }

    /// <summary>Null when no endpoint is configured (offline).</summary>
    public QaOptions? Options { get; private set; }

    /// <summary>
    /// The QA settings of the flags or environment; <paramref name="fullContextBaseline"/> false leaves out the full-context
    /// answers, and <paramref name="judgeMaxTokens"/> caps the judge's reply (<see cref="QaOptions.MaxJudgeTokens"/>).
    /// </summary>
    public static QaSetup FromOptions(string? baseUrl, string? model, string? apiKey, string? judgeModel, bool fullContextBaseline = true, int judgeMaxTokens = QaOptions.DefaultMaxJudgeTokens)
    {
        if (judgeMaxTokens < 1)
        {
            throw new MemoryValidationException($"--judge-max-tokens must be at least 1; {judgeMaxTokens} is not.");
        }

        var setup = new QaSetup();
        baseUrl ??= CliContext.Env("AGENTMEM_QA_BASE_URL");
        model ??= CliContext.Env("AGENTMEM_QA_MODEL");
        apiKey ??= CliContext.Env("AGENTMEM_QA_API_KEY");
        judgeModel ??= CliContext.Env("AGENTMEM_JUDGE_MODEL") ?? model;
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            return setup;
        }

        if (string.IsNullOrWhiteSpace(model))
        {
            throw new MemoryValidationException("QA mode needs a model: pass --qa-model or set AGENTMEM_QA_MODEL.");
        }

        var uri = EndpointUrl.Parse(baseUrl, "--qa-base-url");

        var reader = OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions { BaseUrl = uri, Model = model, ApiKey = apiKey });
        setup.owned.Add(reader);
        var judge = string.Equals(judgeModel, model, StringComparison.Ordinal) ? reader : OpenAICompatibleClients.CreateChatClient(new OpenAICompatibleOptions { BaseUrl = uri, Model = judgeModel!, ApiKey = apiKey });
        if (!ReferenceEquals(judge, reader))
        {
            setup.owned.Add(judge);
        }

        setup.Options = new QaOptions { Reader = reader, ReaderModel = model, Judge = judge, JudgeModel = judgeModel, FullContextBaseline = fullContextBaseline, MaxJudgeTokens = judgeMaxTokens };
        return setup;
    }

    public void Dispose()
    {
        foreach (var d in owned)
        {
            d.Dispose();
        }
    }
}
