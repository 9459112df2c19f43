using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentMem.TestSupport;

/// <summary>
/// What <c>docs/formats.md</c> says about a binary file, read from its section, so a test can hold the page to the bytes
/// the writer puts on disk (someone writing a reader from the field tables trusts them over the overview).
/// </summary>
public static partial class FormatsDoc
{
    /// <summary>
    /// The version in the section's <c>| 8 | 4 | int32 | format version, N |</c> row. <paramref name="heading"/> is the
    /// section's heading line as written (<c>### `spann.meta`</c>); the section ends at the next heading.
    /// </summary>
    public static int FormatVersion(string heading)
    {
        string[] lines = File.ReadAllLines(RepoPaths.File("docs", "formats.md"));
        int start = Array.IndexOf(lines, heading);
        if (start < 0)
        {
            throw new InvalidOperationException($"docs/formats.md has no heading '{heading}'.");
        }

        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith('#'); i++)
        {
            var match = VersionRow().Match(lines[i]);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"docs/formats.md's section '{heading}' has no '| 8 | 4 | int32 | format version, N |' row.");
    }

    [GeneratedRegex(@"^\| 8 \| 4 \| int32 \| format version, (\d+) \|$")]
    private static partial Regex VersionRow();
}
