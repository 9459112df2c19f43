using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace AgentMem.Server.Hosting;

/// <summary>
/// Without API keys the service may listen on loopback addresses only. <see cref="ServerOptions.Validate"/> checks the
/// URLs it is given, but Kestrel binds the endpoints of its own configuration section instead (an environment variable
/// <c>Kestrel__Endpoints__Http__Url=http://0.0.0.0:5080</c>, an appsettings file) or a port on every interface
/// (<c>ASPNETCORE_HTTP_PORTS</c>). Configured endpoints are refused before the build (<see cref="AgentMemServer.Build"/>);
/// as a backstop for the rest, the addresses really bound are checked once the server has started: any other fails the
/// start, and the host's disposal closes the listener (a request arriving in between could still be answered).
/// </summary>
internal sealed class LoopbackOnlyGuard(IServer server) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        string? remote = bound.FirstOrDefault(a => !ServerOptions.IsLoopback(a));
        return remote is null
            ? Task.CompletedTask
            : throw new InvalidOperationException($"Refusing to serve without API keys on '{remote}' (bound from the Kestrel configuration, not the service's URLs): without keys only loopback addresses are allowed.");
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
