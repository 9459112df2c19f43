using System.Text.Json;
using AgentMem.Common.IO;

namespace AgentMem.Retrieval.State;

/// <summary>
/// <c>vectors.json</c> in a cube's index folder: which embedder and dimension its SPANN index holds and the change-feed
/// sequence it reflected at its last checkpoint. Written after the checkpoint through <see cref="CrashSafeFile"/> (whole or not at all),
/// so it never claims more than the index holds; reopening replays the feed from that sequence, and replaying an update
/// twice is harmless (keys are replaced). Absent or unreadable: the folder is ignored and the index rebuilt.
/// </summary>
internal sealed record VectorTierFile(int Format, string Embedder, int Dimension, long Sequence)
{
    public const string FileName = "vectors.json";
    public const int CurrentFormat = 1;

    public static VectorTierFile? Read(string cubeFolder)
    {
        string path = Path.Combine(cubeFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var file = JsonSerializer.Deserialize<VectorTierFile>(File.ReadAllText(path));
            return file is { Format: CurrentFormat, Dimension: > 0, Sequence: >= 0 } && !string.IsNullOrEmpty(file.Embedder) ? file : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string cubeFolder)
    {
        Directory.CreateDirectory(cubeFolder);
        CrashSafeFile.Write(Path.Combine(cubeFolder, FileName), stream => JsonSerializer.Serialize(stream, this));
    }

    public static void Delete(string cubeFolder)
    {
        File.Delete(Path.Combine(cubeFolder, FileName));
    }
}
