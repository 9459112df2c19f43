using System.IO.Hashing;
using System.Text;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Retrieval.State;

/// <summary>
/// <c>lexical.snap</c> in a cube's index folder: a snapshot of a <see cref="CubeIndex"/> (each memory's slim copy, text
/// hash, content key, time flag and analysed terms) at one change-feed sequence, written together with the SPANN
/// checkpoint at the same sequence, so a new process restores the cube without re-reading and re-analysing every memory,
/// then catches up from the feed. Layout: "AMCI", format (int32), window radius (int32), embedder (string), sequence
/// (int64), a string table, the memories in creation order (ids in their 16-byte form, strings and terms as string-table
/// indices), and a CRC-32 of everything before it. Anything unexpected
/// (magic, format, radius, embedder, checksum, truncation) makes <see cref="TryRead"/> return null: the cube is then
/// built from the store as if there were no snapshot.
/// </summary>
internal static class CubeIndexFile
{
    public const string FileName = "lexical.snap";
    private const int Format = 2; // 2: binary ids (format 1 snapshots are rebuilt from the store once)
    private static readonly byte[] Magic = "AMCI"u8.ToArray();

    public static void Write(string cubeFolder, CubeIndex index, string embedder, int windowRadius)
    {
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var id = new byte[MemoryId.ByteLength];
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var rows = index.Export().ToList();
            w.Write(rows.Count);
            foreach (var (item, textHash, contentKey, time, terms) in rows)
            {
                item.Id.WriteBytes(id);
                w.Write(id);
                Ref(w, strings, item.CubeId);
                Ref(w, strings, item.Scope.Tenant);
                Ref(w, strings, item.Scope.User);
                Ref(w, strings, item.Scope.Agent);
                Ref(w, strings, item.Scope.Session);
                w.Write((byte)item.Kind);
                w.Write((byte)item.State);
                w.Write(item.Version);
                Time(w, item.ValidFrom);
                Time(w, item.ValidTo);
                w.Write(item.Tags.Count);
                foreach (string tag in item.Tags)
                {
                    Ref(w, strings, tag);
                }

                w.Write(item.Importance);
                w.Write(item.Strength);
                Time(w, item.LastRecalledAt);
                w.Write(item.RecallCount);
                w.Write(item.Links.Count);
                foreach (var link in item.Links)
                {
                    link.Target.WriteBytes(id);
                    w.Write(id);
                    Ref(w, strings, link.Type);
                    w.Write(link.Weight);
                    Ref(w, strings, link.Reason);
                }

                w.Write((byte)item.Provenance.Source);
                Ref(w, strings, item.Provenance.SourceRef);
                Ref(w, strings, item.Provenance.Actor);
                Time(w, item.Provenance.RecordedAt);
                Time(w, item.UpdatedAt);
                w.Write(textHash);
                w.Write(contentKey);
                w.Write(time);
                w.Write(terms.Count);
                foreach (var (term, tf) in terms)
                {
                    Ref(w, strings, term);
                    w.Write(tf);
                }
            }
        }

        Directory.CreateDirectory(cubeFolder);
        string path = Path.Combine(cubeFolder, FileName);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            using var head = new MemoryStream();
            using (var w = new BinaryWriter(head, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(Format);
                w.Write(windowRadius);
                w.Write(embedder);
                w.Write(index.Sequence);
                w.Write(strings.Count);
                foreach (var (text, _) in strings.OrderBy(p => p.Value))
                {
                    w.Write(text);
                }
            }

            var crc = new Crc32();
            crc.Append(head.GetBuffer().AsSpan(0, (int)head.Length));
            crc.Append(body.GetBuffer().AsSpan(0, (int)body.Length));
            file.Write(head.GetBuffer(), 0, (int)head.Length);
            file.Write(body.GetBuffer(), 0, (int)body.Length);
            file.Write(BitConverter.GetBytes(crc.GetCurrentHashAsUInt32()));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Restores the snapshot into <paramref name="index"/> (empty) and returns its sequence, or null when there is none usable.</summary>
    public static long? TryRead(string cubeFolder, CubeIndex index, string embedder, int windowRadius)
    {
        string path = Path.Combine(cubeFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }

        if (bytes.Length < 8 || Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)) != BitConverter.ToUInt32(bytes, bytes.Length - 4))
        {
            return null;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(Magic) || r.ReadInt32() != Format || r.ReadInt32() != windowRadius || r.ReadString() != embedder)
            {
                return null;
            }

            long sequence = r.ReadInt64();
            var strings = new string[r.ReadInt32()];
            for (int i = 0; i < strings.Length; i++)
            {
                strings[i] = r.ReadString();
            }

            // Each table string is interned (scope parts, actors, tags) or resolved to a term id at most once.
            var shared = new bool[strings.Length];
            var termIds = new int[strings.Length]; // a string's term id in the index, + 1 (0: not resolved yet)
            string? Shared(int at)
            {
                if (at < 0)
                {
                    return null;
                }

                if (!shared[at])
                {
                    strings[at] = index.Intern(strings[at])!;
                    shared[at] = true;
                }

                return strings[at];
            }

            (int Tenant, int User, int Agent, int Session) lastScope = (-2, -2, -2, -2);
            Scope? scope = null;
            Span<byte> idBytes = stackalloc byte[MemoryId.ByteLength];

            int count = r.ReadInt32();
            for (int n = 0; n < count; n++)
            {
                var id = ReadId(r, idBytes);
                string cube = Deref(r, strings)!;
                var scopeRefs = (r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
                if (scope is null || scopeRefs != lastScope)
                {
                    scope = index.SharedScope(Shared(scopeRefs.Item1)!, Shared(scopeRefs.Item2), Shared(scopeRefs.Item3), Shared(scopeRefs.Item4));
                    lastScope = scopeRefs; // memories come in creation order: runs of one session
                }

                var kind = (MemoryKind)r.ReadByte();
                var state = (LifecycleState)r.ReadByte();
                int version = r.ReadInt32();
                var validFrom = ReadTime(r);
                var validTo = ReadTime(r);
                int tagCount = r.ReadInt32();
                string[] tags = tagCount == 0 ? [] : new string[tagCount];
                for (int t = 0; t < tags.Length; t++)
                {
                    tags[t] = Shared(r.ReadInt32())!;
                }

                double importance = r.ReadDouble();
                double strength = r.ReadDouble();
                var lastRecalled = ReadTime(r);
                int recalls = r.ReadInt32();
                int linkCount = r.ReadInt32();
                MemoryLink[] links = linkCount == 0 ? [] : new MemoryLink[linkCount];
                for (int l = 0; l < links.Length; l++)
                {
                    links[l] = new MemoryLink(ReadId(r, idBytes), Deref(r, strings)!, r.ReadDouble(), Deref(r, strings));
                }

                var provenance = new Provenance((SourceKind)r.ReadByte(), Deref(r, strings), Shared(r.ReadInt32()), ReadTime(r)!.Value);
                var updated = ReadTime(r)!.Value;
                ulong textHash = r.ReadUInt64();
                ulong contentKey = r.ReadUInt64();
                bool time = r.ReadBoolean();
                var terms = new int[r.ReadInt32()];
                var frequencies = new int[terms.Length];
                for (int t = 0; t < terms.Length; t++)
                {
                    int at = r.ReadInt32();
                    if (termIds[at] == 0)
                    {
                        termIds[at] = index.ItemIndex.InternTerm(strings[at]) + 1;
                    }

                    terms[t] = termIds[at] - 1;
                    frequencies[t] = r.ReadInt32();
                }

                var item = new MemoryItem
                {
                    Id = id,
                    CubeId = cube,
                    Scope = scope,
                    Kind = kind,
                    Text = string.Empty,
                    ContentHash = string.Empty,
                    Provenance = provenance,
                    ValidFrom = validFrom,
                    ValidTo = validTo,
                    Version = version,
                    State = state,
                    Tags = tags.Length == 0 ? [] : tags,
                    Importance = importance,
                    Strength = strength,
                    LastRecalledAt = lastRecalled,
                    RecallCount = recalls,
                    Links = links.Length == 0 ? [] : links,
                    UpdatedAt = updated,
                };
                index.Restore(item, textHash, contentKey, time, terms, frequencies);
            }

            index.Sequence = sequence;
            return sequence;
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException or IndexOutOfRangeException or MemoryCore.Errors.AgentMemException)
        {
            return null;
        }
    }

    public static void Delete(string cubeFolder) => File.Delete(Path.Combine(cubeFolder, FileName));

    private static void Ref(BinaryWriter w, Dictionary<string, int> strings, string? value)
    {
        if (value is null)
        {
            w.Write(-1);
            return;
        }

        if (!strings.TryGetValue(value, out int id))
        {
            strings[value] = id = strings.Count;
        }

        w.Write(id);
    }

    private static MemoryId ReadId(BinaryReader r, Span<byte> buffer)
    {
        if (r.Read(buffer) != buffer.Length)
        {
            throw new EndOfStreamException();
        }

        return MemoryId.FromBytes(buffer);
    }

    private static string? Deref(BinaryReader r, string[] strings)
    {
        int id = r.ReadInt32();
        return id < 0 ? null : strings[id];
    }

    private static void Time(BinaryWriter w, DateTimeOffset? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
        {
            w.Write(v.UtcTicks);
            w.Write((short)v.Offset.TotalMinutes);
        }
    }

    private static DateTimeOffset? ReadTime(BinaryReader r) =>
        r.ReadBoolean() ? new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(r.ReadInt16())) : null;
}
