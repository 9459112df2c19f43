using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Server.Tests;

/// <summary>
/// A small cube for the inspector's tests, written through <see cref="MemoryOS"/> (REST adds plaintext only): three notes
/// that link to each other, one of them updated (two versions), and an activation memory (a KV cartridge reference) built
/// from two of them.
/// </summary>
internal sealed record InspectorSeed(MemoryId Tomatoes, MemoryId Watering, MemoryId Shed, MemoryId Cartridge)
{
    public const string Cube = "garden";

    public static async Task<InspectorSeed> WriteAsync(MemoryOS memory, Scope owner)
    {
        await memory.CreateCubeAsync(owner, Cube, "Notes about the allotment");
        var tomatoes = (await memory.AddAsync(owner, Cube, new MemoryDraft("Caroline planted tomatoes along the south fence")
        {
            Actor = "Caroline",
            SourceRef = "D1:3",
            Tags = ["garden", "plan"],
            Keywords = ["tomatoes", "fence"],
        })).Id;
        var watering = (await memory.AddAsync(owner, Cube, new MemoryDraft("The tomatoes by the fence need watering every evening in July")
        {
            Actor = "Caroline",
            SourceRef = "D1:5",
            Tags = ["garden"],
            Links = [new MemoryLink(tomatoes, "elaborates", 0.8, "shared keywords: tomatoes, fence")],
        })).Id;
        var shed = (await memory.AddAsync(owner, Cube, new MemoryDraft("Melanie painted the garden shed blue")
        {
            Actor = "Melanie",
            SourceRef = "D2:1",
            Tags = ["garden"],
            Links = [new MemoryLink(tomatoes, "relates-to", 0.4, "same garden")],
        })).Id;

        // The back links make a second version of the first note, so its history and audit trail have two entries.
        await memory.UpdateAsync(owner, tomatoes, new MemoryChange
        {
            Links = [new MemoryLink(watering, "elaborates", 0.8, "shared keywords: tomatoes, fence"), new MemoryLink(shed, "relates-to", 0.4, "same garden")],
            Reason = "linked to related notes",
        });

        var cartridge = (await memory.AddAsync(owner, Cube, new MemoryDraft("KV cartridge of 2 memories: tomatoes by the south fence, watering in July")
        {
            Kind = MemoryKind.Activation,
            Payload = new PayloadRef("file:///var/lib/agentmem/cartridges/garden.kv", "application/x-agentmem-cartridge", 48_640, new string('a', 64)),
            Source = SourceKind.System,
            SourceRef = $"encodes:{tomatoes}@2,{watering}@1",
            Actor = "activation-scheduler",
            Tags = ["activation-memory"],
            Links = [new MemoryLink(tomatoes, "encodes"), new MemoryLink(watering, "encodes")],
        })).Id;
        return new InspectorSeed(tomatoes, watering, shed, cartridge);
    }
}
