using Microsoft.Data.Sqlite;

namespace AgentMem.Campaign.Bench;

/// <summary><c>PRAGMA integrity_check</c> on a database file, opened by the harness while no service uses it.</summary>
internal static class IntegrityCheck
{
    /// <summary>"ok", or SQLite's list of problems.</summary>
    public static string Run(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var problems = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }

        return string.Join("; ", problems);
    }

    /// <summary>Checks a copy of the database as a kill left it (main file, WAL and shared memory), leaving the original for the service to recover.</summary>
    public static string RunOnCopy(string database, string scratch)
    {
        Directory.CreateDirectory(scratch);
        string copy = Path.Combine(scratch, "copy.db");
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(copy + suffix);
            if (File.Exists(database + suffix))
            {
                File.Copy(database + suffix, copy + suffix);
            }
        }

        try
        {
            return Run(copy);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }
}
