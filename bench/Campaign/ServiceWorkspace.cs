namespace AgentMem.Campaign.Bench;

/// <summary>A folder with a database path and a key file holding one random key's hash, for one phase's service.</summary>
internal sealed class ServiceWorkspace
{
    public ServiceWorkspace(string folder, string cliDll, string? databaseFolder = null)
    {
        Directory.CreateDirectory(folder);
        Folder = folder;
        CliDll = cliDll;
        Database = Path.Combine(databaseFolder ?? folder, "campaign.db");
        Key = ApiKey.NewRandom("campaign");
        KeyFile = Path.Combine(folder, "keys.txt");
        File.WriteAllText(KeyFile, Key.KeyFileLine() + "\n");
    }

    public string Folder { get; }

    public string CliDll { get; }

    public string Database { get; }

    public string KeyFile { get; }

    public ApiKey Key { get; }

    public Task<ServiceProcess> StartAsync() => ServiceProcess.StartAsync(CliDll, Database, KeyFile, TimeSpan.FromSeconds(60));
}
