using System.Diagnostics;
using System.Text.Json;

namespace AgentMem.Retrieval.Tests.Embeddings;

/// <summary>Runs Fixtures/bert_reference.py when a python3 with numpy exists (Debian's /usr/bin/python3 first).</summary>
internal static class PythonReference
{
    private static readonly Lazy<string?> Interpreter = new(Find);

    /// <summary>A python3 that can import numpy, or null.</summary>
    public static string? Python => Interpreter.Value;

    public static ReferenceOutput Run(string modelDir, IReadOnlyList<string> sentences, string outPath)
    {
        string python = Python ?? throw new InvalidOperationException("No python3 with numpy.");
        string sentencesPath = outPath + ".sentences.json";
        File.WriteAllText(sentencesPath, JsonSerializer.Serialize(sentences));
        (int code, string output) = Exec(python, [RepoPaths.ReferenceScript, modelDir, sentencesPath, outPath]);
        File.Delete(sentencesPath);
        if (code != 0)
        {
            throw new InvalidOperationException($"bert_reference.py failed ({code}): {output}");
        }

        return ReferenceOutput.Load(outPath);
    }

    private static string? Find()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (Exec(candidate, ["-c", "import numpy"]).Code == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed
            }
        }

        return null;
    }

    private static (int Code, string Output) Exec(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            return (-1, "timed out");
        }

        return (process.ExitCode, stdout.Result + stderr);
    }
}

/// <summary>The JSON the reference script writes (and the committed expected.json).</summary>
internal sealed record ReferenceOutput(string[] Sentences, int[][] TokenIds, double[][] Embeddings)
{
    public static ReferenceOutput Load(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        return new ReferenceOutput(
            root.GetProperty("sentences").Deserialize<string[]>()!,
            root.GetProperty("token_ids").Deserialize<int[][]>()!,
            root.GetProperty("embeddings").Deserialize<double[][]>()!);
    }
}
