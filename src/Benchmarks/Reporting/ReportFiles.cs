namespace AgentMem.Benchmarks.Reporting;

/// <summary>Shared file output for the report writers.</summary>
internal static class ReportFiles
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void WriteText(string path, string text)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text, Utf8NoBom);
    }
}
