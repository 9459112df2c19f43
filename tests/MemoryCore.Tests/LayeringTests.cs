using System.Xml.Linq;

namespace AgentMem.MemoryCore.Tests;

/// <summary>
/// The layering of ../shared/ARCHITECTURE.md, checked on the project files: dependencies point down the picture, the
/// domain references no other AgentMem project, the model runtime knows nothing of memories, and only hosts see everything.
/// </summary>
public sealed class LayeringTests
{
    // What each src project may reference (AgentMem projects only); hosts may reference everything below them.
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Common"] = [],
        ["MemoryCore"] = ["Common"],
        ["ModelHost"] = ["Common"],
        ["Stores"] = ["MemoryCore", "Common"],
        ["Retrieval"] = ["MemoryCore", "Common"],
        ["Agents"] = ["MemoryCore", "Retrieval", "ModelHost", "Common"],
        ["Agents.SemanticKernel"] = ["Agents", "MemoryCore", "Common"],
        ["Benchmarks"] = ["MemoryCore", "Retrieval", "Agents", "Common"],
        ["Server"] = ["MemoryCore", "Stores", "Retrieval", "Agents", "ModelHost", "Common"],
        ["Cli"] = ["MemoryCore", "Stores", "Retrieval", "Agents", "ModelHost", "Benchmarks", "Server", "Common"],
    };

    [Fact]
    public void No_src_project_references_a_project_above_it()
    {
        string src = AgentMem.TestSupport.RepoPaths.File("src");
        var projects = Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        var violations = new List<string>();
        foreach (string project in projects)
        {
            string name = Path.GetFileNameWithoutExtension(project);
            if (!Allowed.TryGetValue(name, out var allowed))
            {
                violations.Add($"{name} is not in the layering table: add it here and to ARCHITECTURE.md");
                continue;
            }

            foreach (string reference in References(project))
            {
                if (!allowed.Contains(reference, StringComparer.Ordinal))
                {
                    violations.Add($"{name} references {reference}");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join("; ", violations));
    }

    [Fact]
    public void The_check_sees_a_violation()
    {
        // The table and the reader work together: a reference that breaks the picture is reported.
        string folder = Path.Combine(Path.GetTempPath(), "agentmem-layering-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string file = Path.Combine(folder, "ModelHost.csproj");
            File.WriteAllText(file, "<Project><ItemGroup><ProjectReference Include=\"../MemoryCore/MemoryCore.csproj\" /></ItemGroup></Project>");
            Assert.Equal(["MemoryCore"], References(file));
            Assert.DoesNotContain("MemoryCore", Allowed["ModelHost"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static List<string> References(string project) =>
        XDocument.Load(project).Descendants()
            .Where(e => e.Name.LocalName == "ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension((string?)e.Attribute("Include") ?? string.Empty))
            .ToList();
}
