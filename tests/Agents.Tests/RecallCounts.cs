using AgentMem.MemoryCore.Model;
using Microsoft.Data.Sqlite;

namespace AgentMem.Agents.Tests;

/// <summary>Recall counts are written by recall paths below the facade; the scheduler tests set them in the file directly.</summary>
internal static class RecallCounts
{
    public static void Set(string dbPath, MemoryItem item, int count)
    {
        using var connection = new SqliteConnection($"Data Source={dbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE memories SET recall_count = $n WHERE id = $id";
        command.Parameters.AddWithValue("$n", count);
        command.Parameters.AddWithValue("$id", item.Id.ToString());
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
