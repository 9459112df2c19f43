namespace AgentMem.MemoryCore.Export;

/// <summary>What <see cref="ArchivePayloads.CopyIntoAsync"/> did.</summary>
/// <param name="Archive">The archive, its references to the copied files rewritten to the copies.</param>
/// <param name="Files">Payload files now in the payload folder (copied, found there already with the same bytes, or named there by the archive).</param>
/// <param name="Stale">Payload files missing or altered: their references are kept as written, and the memories naming them are stale, which their scheduler builds again.</param>
/// <param name="Made">The files the copy wrote.</param>
public sealed record ArchivePayloadCopy(CubeArchive Archive, int Files, int Stale, IReadOnlyList<string> Made)
{
    /// <summary>
    /// Deletes the files the copy wrote, after a restore that failed, so that nothing names them. One that cannot be deleted is
    /// left: it holds what the archive's file held, in the database's own folder, and an import run again uses it.
    /// </summary>
    public void DeleteMade()
    {
        foreach (string path in Made)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The restore's own error is the one to report.
            }
        }
    }
}
