using AgentMem.Stores.Postgres;
using Npgsql;

namespace AgentMem.Stores.Tests.Postgres;

/// <summary>Both ways of writing a PostgreSQL location, and the password-free form shown in logs. No server needed.</summary>
public sealed class PostgresConnectionStringTests
{
    [Fact]
    public void A_uri_becomes_keywords_with_decoded_parts()
    {
        var b = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm(
            "postgresql://mem%40user:p%3Ass@db.example:6543/agent%20mem?sslmode=verify-full&application_name=node-1&connect_timeout=7"));
        Assert.Equal("mem@user", b.Username);
        Assert.Equal("p:ss", b.Password);
        Assert.Equal("db.example", b.Host);
        Assert.Equal(6543, b.Port);
        Assert.Equal("agent mem", b.Database);
        Assert.Equal(SslMode.VerifyFull, b.SslMode);
        Assert.Equal("node-1", b.ApplicationName);
        Assert.Equal(7, b.Timeout);
    }

    [Fact]
    public void Several_hosts_an_ipv6_address_and_the_short_scheme_are_understood()
    {
        var multi = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm("postgres://u@h1:5432,h2:5433/db?target_session_attrs=primary"));
        Assert.Equal("h1:5432,h2:5433", multi.Host);
        Assert.Equal("primary", multi.TargetSessionAttributes);
        var v6 = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToKeywordForm("postgresql://u@[::1]:5999/db"));
        Assert.Equal("::1", v6.Host);
        Assert.Equal(5999, v6.Port);
        Assert.Equal("postgresql://u@[::1]:5999/db", PostgresConnectionString.Display(v6.ConnectionString));
    }

    [Fact]
    public void A_keyword_string_passes_through_and_the_display_form_never_holds_the_password()
    {
        string keywords = PostgresConnectionString.ToKeywordForm("Host=127.0.0.1;Port=5433;Username=agentmem;Password=hunter2;Database=mem");
        Assert.Equal("hunter2", new NpgsqlConnectionStringBuilder(keywords).Password);
        string shown = PostgresConnectionString.Display(keywords);
        Assert.Equal("postgresql://agentmem@127.0.0.1:5433/mem", shown);
        Assert.DoesNotContain("hunter2", PostgresConnectionString.Display(PostgresConnectionString.ToKeywordForm("postgresql://agentmem:hunter2@h/mem")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://u@h/db?sslmod=require", "sslmod")]
    [InlineData("postgresql://u@h/db?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://u@h:99999/db", "port")]
    [InlineData("Hots=h;Database=d", "not valid")]
    public void Mistakes_are_refused_with_the_reason_and_without_echoing_secrets(string text, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => PostgresConnectionString.ToKeywordForm(text + (text.Contains('?') ? "&password=s3cret" : string.Empty)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgresql://app:s3cr3t/xyz@db/mem", "percent-encode")]
    [InlineData("postgresql://app:pa?s3cr3t@db/mem", "percent-encode")]
    [InlineData("postgresql://app:12345/s3cr3t@db/mem", "percent-encode")]
    [InlineData("postgresql://app:s3cr3t", "port")]
    [InlineData("postgresql://app@db/mem?password=ab&s3cr3t", "after the password")]
    public void A_password_written_unencoded_is_refused_without_any_piece_of_it_in_the_message(string text, string reason)
    {
        // Each of these once echoed part of the password ("'s3cr3t' is not a port number", "parameter 's3cr3t'") or, with a
        // numeric password, read it as the port that every later message's location shows.
        var ex = Assert.Throws<ArgumentException>(() => PostgresConnectionString.ToKeywordForm(text));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("12345", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_validation_names_the_setting_at_fault()
    {
        Assert.Contains("ConnectionString", Assert.Throws<ArgumentException>(() => new PostgresStoreOptions().Validate()).Message, StringComparison.Ordinal);
        var ok = new PostgresStoreOptions { ConnectionString = "postgresql://u@h/db" };
        ok.Validate();
        Assert.Equal("MaxPoolSize", Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStoreOptions { ConnectionString = ok.ConnectionString, MaxPoolSize = 0 }.Validate()).ParamName);
        Assert.Equal("MaxRetries", Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStoreOptions { ConnectionString = ok.ConnectionString, MaxRetries = -1 }.Validate()).ParamName);
        Assert.Equal("CommandTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStoreOptions { ConnectionString = ok.ConnectionString, CommandTimeout = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("RetryMaxDelay", Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresStoreOptions { ConnectionString = ok.ConnectionString, RetryBaseDelay = TimeSpan.FromSeconds(3), RetryMaxDelay = TimeSpan.FromSeconds(1) }.Validate()).ParamName);
        var prepared = Assert.Throws<ArgumentException>(() => new PostgresStoreOptions { ConnectionString = "Host=h;Database=db;Max Auto Prepare=64" }.Validate());
        Assert.Equal("ConnectionString", prepared.ParamName);
        Assert.Contains("Max Auto Prepare", prepared.Message, StringComparison.Ordinal);
        new PostgresStoreOptions { ConnectionString = "Host=h;Database=db;Max Auto Prepare=0" }.Validate();
    }

    [Fact]
    public void Pool_size_and_timeouts_the_connection_string_gives_win_over_the_options_which_fill_in_the_rest()
    {
        // Before, the options' defaults replaced them silently: connect_timeout=60 became 15 s.
        var given = PostgresConnectionString.ForStore(new PostgresStoreOptions
        {
            ConnectionString = "Host=h;Database=db;Command Timeout=120;Maximum Pool Size=100;Application Name=node-1",
            CommandTimeout = TimeSpan.FromSeconds(45),
            MaxPoolSize = 8,
        });
        Assert.Equal((120, 100, 15, "node-1"), (given.CommandTimeout, given.MaxPoolSize, given.Timeout, given.ApplicationName));

        // One the string gives equal to Npgsql's own default is given all the same.
        var uri = PostgresConnectionString.ForStore(new PostgresStoreOptions
        {
            ConnectionString = "postgresql://u@h/db?connect_timeout=60",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromMilliseconds(1500),
        });
        Assert.Equal((2, 32, 60, "agentmem"), (uri.CommandTimeout, uri.MaxPoolSize, uri.Timeout, uri.ApplicationName));
        var npgsqlDefault = PostgresConnectionString.ForStore(new PostgresStoreOptions { ConnectionString = "Host=h;Command Timeout=30", CommandTimeout = TimeSpan.FromSeconds(90) });
        Assert.Equal(30, npgsqlDefault.CommandTimeout);
    }

    [Fact]
    public void A_change_notice_payload_splits_at_the_last_colon()
    {
        Assert.True(PostgresChangeNotice.TryParse("acme:eu:01JD3Z5Q8Y4V6N2K7M9P0R1S2T", out var notice));
        Assert.Equal(new PostgresChangeNotice("acme:eu", "01JD3Z5Q8Y4V6N2K7M9P0R1S2T"), notice);
        Assert.False(PostgresChangeNotice.TryParse("no-colon", out _));
        Assert.False(PostgresChangeNotice.TryParse(":cube", out _));
        Assert.False(PostgresChangeNotice.TryParse(null, out _));
    }
}
