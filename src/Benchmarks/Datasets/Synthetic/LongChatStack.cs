namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>A project's technology stack, which decides the language of code blocks, file paths and stack traces.</summary>
/// <param name="Framework">Web framework, e.g. <c>ASP.NET Core</c>.</param>
/// <param name="Language">Language, e.g. <c>C#</c>.</param>
/// <param name="Fence">Markdown fence language tag, e.g. <c>csharp</c>.</param>
/// <param name="Extension">Source file extension without the dot.</param>
/// <param name="SourceRoot">Folder where sources live, e.g. <c>src</c>.</param>
/// <param name="TestTool">Test framework, e.g. <c>xunit</c>.</param>
internal sealed record LongChatStack(string Framework, string Language, string Fence, string Extension, string SourceRoot, string TestTool);
