namespace AgentMem.ModelHost;

/// <summary>Reads the JSON files of model folders (config.json, tokenizer.json, shard indexes) with one error shape.</summary>
internal static class JsonFile
{
    /// <summary>The parsed document; <see cref="ModelFormatException"/> naming the file when it is not valid JSON.</summary>
    public static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }
}
