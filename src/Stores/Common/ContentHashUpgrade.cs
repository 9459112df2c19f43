using AgentMem.MemoryCore.Validation;

namespace AgentMem.Stores.Common;

/// <summary>
/// The content hash of a stored memory row, for the schema step that recomputes the hashes an earlier build computed
/// another way (SQLite step 13, PostgreSQL step 11): before, line breaks were hashed as written and a leading byte order
/// mark or zero width space counted, so a copy of a stored note with other line endings was stored again.
/// </summary>
/// <remarks>
/// Only a text holding a CR, FF, NEL, LS or PS, or whose first character past ASCII white space lies beyond ASCII, can hash
/// differently now (<see cref="ContentRules.ComputeHash"/> changed nothing else): the steps read those rows alone, and
/// write a hash only where it changed.
/// </remarks>
internal static class ContentHashUpgrade
{
    /// <summary><see cref="ContentRules.ComputeHash"/> of a row's kind, text and payload JSON, as the facade computes it for a new version.</summary>
    public static string Of(long kind, string text, string? payloadJson) =>
        ContentRules.ComputeHash((MemoryKind)kind, text, payloadJson is null ? null : StoreJson.Deserialize<PayloadRef>(payloadJson));
}
