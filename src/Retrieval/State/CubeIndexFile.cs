using System.Text;
using AgentMem.MemoryCore.Identity;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Retrieval.State;

/// <summary>
/// <c>lexical.snap</c> in a cube's index folder: a snapshot of a <see cref="CubeIndex"/> (each memory's slim copy, text
/// hash, content key, time flag and analysed terms) at one change-feed sequence, written together with the SPANN
/// checkpoint at the same sequence, so a new process restores the cube without re-reading and re-analysing every memory,
/// then catches up from the feed. Layout: "AMCI", format (int32), window radius (int32), embedder (string), sequence
/// (int64), a string table, the memories in creation order, and a CRC-32 of everything before it. Anything unexpected
/// (magic, format, radius, embedder, checksum, truncation) makes <see cref="TryRead"/> return null: the cube is then
/// built from the store as if there were no snapshot.
/// </summary>
internal static class CubeIndexFile
{
    public const string FileName = "lexical.snap";
    private const int Format = 1;
    private static readonly byte[] Magic = "AMCI"u8.ToArray();

    public static void Write(string cubeFolder, CubeIndex index, string embedder, int windowRadius)
    {
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var rows = index.Export().ToList();
            w.Write(rows.Count);
            foreach (var (item, textHash, contentKey, time, terms) in rows)
            {
                w.Write(item.Id.ToString());
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
                    w.Write(link.Target.ToString());
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

            uint crc = Vectors.Crc32.Append(Vectors.Crc32.Append(Vectors.Crc32.Initial, head.GetBuffer().AsSpan(0, (int)head.Length)), body.GetBuffer().AsSpan(0, (int)body.Length));
            file.Write(head.GetBuffer(), 0, (int)head.Length);
            file.Write(body.GetBuffer(), 0, (int)body.Length);
            file.Write(BitConverter.GetBytes(Vectors.Crc32.Finish(crc)));
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

        if (bytes.Length < 8 || Vectors.Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)) != BitConverter.ToUInt32(bytes, bytes.Length - 4))
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
                strings[i] = index.Intern(r.ReadString())!;
            }

            int count = r.ReadInt32();
            for (int n = 0; n < count; n++)
            {
                var id = MemoryId.Parse(r.ReadString());
                string cube = Deref(r, strings)!;
                var scope = index.SharedScope(Deref(r, strings)!, Deref(r, strings), Deref(r, strings), Deref(r, strings));
                var kind = (MemoryKind)r.ReadByte();
                var state = (LifecycleState)r.ReadByte();
                int version = r.ReadInt32();
                var validFrom = ReadTime(r);
                var validTo = ReadTime(r);
                var tags = new string[r.ReadInt32()];
                for (int t = 0; t < tags.Length; t++)
                {
                    tags[t] = Deref(r, strings)!;
                }

                double importance = r.ReadDouble();
                double strength = r.ReadDouble();
                var lastRecalled = ReadTime(r);
                int recalls = r.ReadInt32();
                var links = new MemoryLink[r.ReadInt32()];
                for (int l = 0; l < links.Length; l++)
                {
                    links[l] = new MemoryLink(MemoryId.Parse(r.ReadString()), Deref(r, strings)!, r.ReadDouble(), Deref(r, strings));
                }

                var provenance = new Provenance((SourceKind)r.ReadByte(), Deref(r, strings), Deref(r, strings), ReadTime(r)!.Value);
                var updated = ReadTime(r)!.Value;
                ulong textHash = r.ReadUInt64();
                ulong contentKey = r.ReadUInt64();
                bool time = r.ReadBoolean();
                var terms = new string[r.ReadInt32()];
                var frequencies = new int[terms.Length];
                for (int t = 0; t < terms.Length; t++)
                {
                    terms[t] = Deref(r, strings)!;
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
