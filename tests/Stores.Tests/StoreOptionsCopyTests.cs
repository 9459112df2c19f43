using AgentMem.Common.Settings;
using AgentMem.Stores.Postgres;
using AgentMem.Stores.Sqlite;

namespace AgentMem.Stores.Tests;

/// <summary>The stores keep a copy of the options they were opened with: every setting must reach it.</summary>
public sealed class StoreOptionsCopyTests
{
    [Fact]
    public void Every_PostgreSQL_setting_survives_the_copy_the_store_keeps()
    {
        var options = new PostgresStoreOptions
        {
            ConnectionString = "postgresql://someone@localhost:5433/db",
            MaxPoolSize = 7,
            CommandTimeout = TimeSpan.FromSeconds(9),
            ConnectTimeout = TimeSpan.FromSeconds(8),
            MaxRetries = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(3),
            RetryMaxDelay = TimeSpan.FromSeconds(1),
            ApplicationName = "copy-test",
            PurgeVacuum = PostgresPurgeVacuum.Plain,
        };

        var copy = SettingsCopy.Of(options);
        options.PurgeVacuum = PostgresPurgeVacuum.Full;
        options.MaxRetries = 0;

        Assert.NotSame(options, copy);
        Assert.Equal(PostgresPurgeVacuum.Plain, copy.PurgeVacuum);
        Assert.Equal(2, copy.MaxRetries);
        Assert.Equal("postgresql://someone@localhost:5433/db", copy.ConnectionString);
        Assert.Equal(7, copy.MaxPoolSize);
        Assert.Equal(TimeSpan.FromSeconds(9), copy.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8), copy.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(3), copy.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), copy.RetryMaxDelay);
        Assert.Equal("copy-test", copy.ApplicationName);
    }

    [Fact]
    public void Every_SQLite_setting_survives_the_copy_the_store_keeps_including_internal_ones()
    {
        var options = new SqliteStoreOptions
        {
            Path = "x.db",
            DurableCommits = false,
            BusyTimeout = TimeSpan.FromSeconds(3),
            ReadOnly = true,
            MaxPageCount = 1234,
        };

        var copy = SettingsCopy.Of(options);

        Assert.Equal("x.db", copy.Path);
        Assert.False(copy.DurableCommits);
        Assert.Equal(TimeSpan.FromSeconds(3), copy.BusyTimeout);
        Assert.True(copy.ReadOnly);
        Assert.Equal(1234, copy.MaxPageCount);
    }
}
