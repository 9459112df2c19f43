namespace AgentMem.Server.Contracts;

/// <summary>Where the binary payload of an activation or parametric memory lives.</summary>
/// <param name="Uri">A file path or URI.</param>
/// <param name="MediaType">Its format, e.g. <c>application/x-agentmem-cartridge</c>.</param>
/// <param name="SizeBytes">Its length in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its bytes.</param>
public sealed record PayloadDto(string Uri, string MediaType, long SizeBytes, string Sha256)
{
    /// <summary>The API view of a payload reference; null for plaintext memories.</summary>
    public static PayloadDto? From(PayloadRef? payload) =>
        payload is null ? null : new(payload.Uri, payload.MediaType, payload.SizeBytes, payload.Sha256);
}
