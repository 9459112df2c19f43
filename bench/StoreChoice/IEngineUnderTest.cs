using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Model;

namespace AgentMem.StoreChoice.Bench;

/// <summary>
/// One storage engine as the harness drives it. An add of a batch is one transaction that writes, per memory, the
/// memory, its lexical index entries, an audit line and a change-feed entry, after checking the cube exists and the
/// content is not already live in it (the facade's default de-duplication).
/// </summary>
internal interface IEngineUnderTest : IDisposable
{
    void CreateCubes(IReadOnlyList<MemCube> cubes);

    /// <summary>Adds the batch in one transaction; returns once the commit has returned.</summary>
    void Add(IReadOnlyList<MemoryItem> batch);

    /// <summary>The top <paramref name="limit"/> source references (dialog ids) for a question, best first.</summary>
    IReadOnlyList<string> Search(string cubeId, string question, int limit);

    /// <summary>Content hash of each of <paramref name="ids"/> that is stored (missing ids are absent from the answer).</summary>
    IReadOnlyDictionary<string, string> ReadHashes(IReadOnlyList<string> ids);

    /// <summary>Reads everything once (every row or document, every index) and throws if the file is damaged.</summary>
    void CheckWhole();
}
