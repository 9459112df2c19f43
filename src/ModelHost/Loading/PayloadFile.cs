namespace AgentMem.ModelHost;

/// <summary>
/// Opens the model host's own files (KV cartridges, LoRA adapters) so that no file at the path is a
/// <see cref="ModelFormatException"/> naming it, as every other bad file of theirs is: a caller that catches the format error
/// around a load does not meet a raw <see cref="FileNotFoundException"/> instead.
/// </summary>
internal static class PayloadFile
{
    /// <summary>
    /// <paramref name="open"/>(<paramref name="path"/>), with a missing file, a missing folder on the way and a folder at the path
    /// reported as a <see cref="ModelFormatException"/> that names the path and <paramref name="what"/> ("KV cartridge").
    /// </summary>
    /// <exception cref="ModelFormatException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="UnauthorizedAccessException">The file is there but may not be read (left as it is: not a format problem).</exception>
    public static T Open<T>(string path, string what, Func<string, T> open)
    {
        try
        {
            return open(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) // a missing folder is a missing file too
        {
            throw new ModelFormatException($"{path}: {what} file not found.", e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            // What opening a folder throws: not a permission the user could grant.
            throw new ModelFormatException($"{path}: is a folder, not a {what} file.", e);
        }
    }
}
