using System.Net;
using System.Net.Sockets;

namespace AgentMem.Cli.Tests;

/// <summary>Helpers for tests that run <c>agentmem serve</c> on loopback: a free port, and waiting until it answers.</summary>
internal static class LocalService
{
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <c>/health</c> until it succeeds; fails the test if <paramref name="exited"/> says the server stopped first.</summary>
    public static async Task WaitForHealthAsync(HttpClient client, Func<bool> exited)
    {
        for (int i = 0; i < 300; i++)
        {
            Assert.False(exited(), "serve exited early");
            try
            {
                if ((await client.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the service never became healthy");
    }
}
