using AgentMem.Common.IO;

namespace AgentMem.Benchmarks.Reporting;

/// <summary>Shared file output for the report writers.</summary>
internal static class ReportFiles
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Writes the report whole or not at all (a kill or a full disk part way left a cut-off result in place of the
    /// previous run's), creating its folder.
    /// </summary>
    public static void WriteText(string path, string text)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        byte[] bytes = Utf8NoBom.GetBytes(text);
        CrashSafeFile.Write(path, stream => stream.Write(bytes));
    }
}
