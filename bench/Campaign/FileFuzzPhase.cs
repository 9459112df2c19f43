using System.Text.Json;
using AgentMem.MemoryCore.Errors;

namespace AgentMem.Campaign.Bench;

/// <summary>
/// (3b) File format fuzzing: for each format, seeded damaged copies of a valid sample (random bytes, truncations, bit
/// flips anywhere and in the header, trailing junk) go through its reader. A reader may accept a copy whose damage it
/// cannot see (a flipped bit inside a float) or reject it with a typed error; any other exception, or a reader that does
/// not return within 20 s, is a finding.
/// </summary>
internal static class FileFuzzPhase
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    public static FileFuzzOutcome Run(CampaignOptions options)
    {
        string root = RepoRoot.Find();
        string folder = Path.Combine(options.WorkDirectory, "file-fuzz");
        var targets = FormatSamples.Build(options, root, Path.Combine(folder, "valid"));
        var rows = new List<FileFuzzRow>();
        var findings = new List<string>();
        var random = new Random(options.Seed);
        foreach (var target in targets)
        {
            byte[] valid = File.ReadAllBytes(target.ValidFile);
            int accepted = 0, rejected = 0, found = 0;
            for (int i = 0; i < options.FileCasesPerFormat; i++)
            {
                int kind = i % ByteFuzz.Kinds.Length;
                byte[] damaged = ByteFuzz.Damage(valid, kind, random);
                string caseFolder = Path.Combine(folder, "case");
                if (Directory.Exists(caseFolder))
                {
                    Directory.Delete(caseFolder, recursive: true);
                }

                Directory.CreateDirectory(caseFolder);
                string path;
                string readPath;
                if (target.SiblingFolder is { } sibling)
                {
                    foreach (string file in Directory.GetFiles(sibling))
                    {
                        File.Copy(file, Path.Combine(caseFolder, Path.GetFileName(file)));
                    }

                    path = Path.Combine(caseFolder, Path.GetFileName(target.ValidFile));
                    readPath = caseFolder;
                }
                else
                {
                    path = Path.Combine(caseFolder, Path.GetFileName(target.ValidFile));
                    readPath = path;
                }

                File.WriteAllBytes(path, damaged);
                string? finding = null;
                var work = Task.Run(() => target.Read(readPath));
                if (Task.WhenAny(work, Task.Delay(HangLimit)).GetAwaiter().GetResult() != work)
                {
                    finding = $"no answer within {HangLimit.TotalSeconds:0} s (hang)";
                }
                else if (work.Exception?.InnerException is { } ex)
                {
                    if (IsTyped(ex))
                    {
                        rejected++;
                    }
                    else
                    {
                        finding = $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]} at {ex.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
                    }
                }
                else
                {
                    accepted++;
                }

                if (finding is not null)
                {
                    found++;
                    if (findings.Count < 60)
                    {
                        findings.Add($"{target.Name} [{ByteFuzz.Kinds[kind]}, case {i}]: {finding}");
                    }

                    if (finding.Contains("hang", StringComparison.Ordinal))
                    {
                        break; // a hung reader keeps its thread; do not pile up more
                    }
                }
            }

            rows.Add(new FileFuzzRow(target.Name, accepted + rejected + found, rejected, accepted, found));
            Console.WriteLine($"  {target.Name}: {accepted + rejected + found} cases, {rejected} rejected (typed), {accepted} accepted, {found} findings");
        }

        foreach (string f in findings)
        {
            Console.WriteLine($"  FINDING: {f}");
        }

        return new FileFuzzOutcome(rows);
    }

    // Typed: our own errors, the BCL's format errors (ModelFormatException is one), and JSON parse errors, which the CLI
    // reports as user errors with their line and position.
    private static bool IsTyped(Exception ex) =>
        ex is AgentMemException or FormatException or InvalidDataException or JsonException;
}

internal sealed record FileFuzzRow(string Format, int Cases, int Rejected, int Accepted, int Findings);

internal sealed record FileFuzzOutcome(IReadOnlyList<FileFuzzRow> Rows);
