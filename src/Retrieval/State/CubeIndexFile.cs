using AgentMem.Common.IO;

namespace AgentMem.Retrieval.State;

/// <summary>
/// <c>lexical.snap</c> in a cube's index folder: a snapshot of a <see cref="CubeIndex"/> (each memory's slim copy, text
/// hash, content key, time flag and analysed terms) at one change-feed sequence, written together with the SPANN
/// checkpoint at the same sequence, so a new process restores the cube without re-reading and re-analysing every memory,
/// then catches up from the feed. Layout: "AMCI", format (int32), window radius (int32), embedder (string), sequence
/// (int64), a string table, the memories in creation order (ids in their 16-byte form, strings as 7-bit encoded
/// string-table indices, each memory's distinct terms with their frequencies), then every term's posting list (rows in
/// ascending order, delta-encoded), then the passages of long memories (row, then each passage's start, length and
/// terms with frequencies), and a CRC-32 of everything before it; the passage size follows the window radius in the header. The posting lists are redundant with the
/// per-memory terms on purpose: restoring them term by term fills each list once, in order, where appending memory
/// by memory touched a different list on every term (at 100k memories, 1.5 million scattered appends). Anything
/// unexpected (magic, format, radius, embedder, checksum, truncation, inconsistency) makes <see cref="TryRead"/>
/// return null: the cube is then built from the store as if there were no snapshot.
/// </summary>
internal static class CubeIndexFile
{
    public const string FileName = "lexical.snap";
    // 3: compact integers and posting lists; 4: passages of long memories; 5: whether each memory had its vector (older
    // snapshots are rebuilt from the store once). The flag is no longer read (a restore checks each stored embedding
    // against its memory), only written, for format 5's readers. 6: letters outside the basic plane analysed as letters
    // (TextAnalyzer), so format 5's terms for such text no longer meet a query's. 7: "may"/"march" as verbs no longer set
    // the time flag (TemporalCues), which format 6 stored as it was computed. 8: combining marks (vowel signs, viramas,
    // harakat) continue their word (TextAnalyzer), so format 7's terms for Indic, Thai or vowelled Arabic text (single
    // consonants) no longer meet a query's. 9: a Greek final sigma is folded to the medial one (TextAnalyzer), so format
    // 8's terms for lower-case Greek words ending in 'ς' no longer meet a query's.
    internal const int Format = 9;

    // A memory's flags byte.
    private const byte MentionsTimeFlag = 1;
    private const byte HasVectorFlag = 2;
    private static readonly byte[] Magic = "AMCI"u8.ToArray();

    public static void Write(string cubeFolder, CubeIndex index, string embedder, int windowRadius)
    {
        var rows = index.Export().ToList();
        Write(cubeFolder, index.Sequence, rows, index.Passages.PassageChars, embedder, windowRadius);
    }

    private static void Write(string cubeFolder, long sequence, List<(MemoryItem Slim, ulong TextHash, ulong ContentKey, bool MentionsTime, bool HasVector, IReadOnlyList<(string Term, int Tf)> Terms, IReadOnlyList<(MemoryCore.Text.TextSpan Span, IReadOnlyList<(string Term, int Tf)> Terms)> Passages)> rows, int passageChars, string embedder, int windowRadius)
    {
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var termPostings = new List<List<(int Row, int Tf)>?>();
        var id = new byte[MemoryId.ByteLength];
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(rows.Count);
            for (int row = 0; row < rows.Count; row++)
            {
                var (item, textHash, contentKey, time, hasVector, terms, _) = rows[row];
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
                w.Write7BitEncodedInt(item.Tags.Count);
                foreach (string tag in item.Tags)
                {
                    Ref(w, strings, tag);
                }

                w.Write(item.Importance);
                w.Write(item.Strength);
                Time(w, item.LastRecalledAt);
                w.Write(item.RecallCount);
                w.Write7BitEncodedInt(item.Links.Count);
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
                w.Write((byte)((time ? MentionsTimeFlag : 0) | (hasVector ? HasVectorFlag : 0)));
                w.Write7BitEncodedInt(terms.Count);
                foreach (var (term, tf) in terms)
                {
                    int at = Ref(w, strings, term);
                    w.Write7BitEncodedInt(tf);
                    while (termPostings.Count <= at)
                    {
                        termPostings.Add(null);
                    }

                    (termPostings[at] ??= []).Add((row, tf));
                }
            }

            w.Write7BitEncodedInt(termPostings.Count(p => p is not null));
            for (int at = 0; at < termPostings.Count; at++)
            {
                if (termPostings[at] is not { } list)
                {
                    continue;
                }

                w.Write7BitEncodedInt(at);
                w.Write7BitEncodedInt(list.Count);
                int previous = 0;
                foreach (var (row, tf) in list)
                {
                    w.Write7BitEncodedInt(row - previous);
                    w.Write7BitEncodedInt(tf);
                    previous = row;
                }
            }

            w.Write7BitEncodedInt(rows.Count(r => r.Passages.Count > 0));
            for (int row = 0; row < rows.Count; row++)
            {
                var passages = rows[row].Passages;
                if (passages.Count == 0)
                {
                    continue;
                }

                w.Write7BitEncodedInt(row);
                w.Write7BitEncodedInt(passages.Count);
                foreach (var (span, passageTerms) in passages)
                {
                    w.Write7BitEncodedInt(span.Start);
                    w.Write7BitEncodedInt(span.Length);
                    w.Write7BitEncodedInt(passageTerms.Count);
                    foreach (var (term, tf) in passageTerms)
                    {
                        Ref(w, strings, term);
                        w.Write7BitEncodedInt(tf);
                    }
                }
            }
        }

        using var head = new MemoryStream();
        using (var w = new BinaryWriter(head, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Format);
            w.Write(windowRadius);
            w.Write(passageChars);
            w.Write(embedder);
            w.Write(sequence);
            w.Write(strings.Count);
            foreach (var (text, _) in strings.OrderBy(p => p.Value))
            {
                w.Write(text);
            }
        }

        Directory.CreateDirectory(cubeFolder);
        CrashSafeFile.Write(Path.Combine(cubeFolder, FileName), stream =>
        {
            var file = new ChecksummedStream(stream);
            file.Write(head.GetBuffer().AsSpan(0, (int)head.Length));
            file.Write(body.GetBuffer().AsSpan(0, (int)body.Length));
            file.WriteChecksum();
        });
    }

    /// <summary>
    /// Restores the snapshot into <paramref name="index"/> (empty) and returns its sequence, or null when there is none
    /// usable; null can leave <paramref name="index"/> partly filled (the checksum is known only at the end): discard it.
    /// </summary>
    public static long? TryRead(string cubeFolder, CubeIndex index, string embedder, int windowRadius)
    {
        string path = Path.Combine(cubeFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var r = new SnapshotReader(path);
            if (r.ReadInt32() != BitConverter.ToInt32(Magic) || r.ReadInt32() != Format || r.ReadInt32() != windowRadius || r.ReadInt32() != index.Passages.PassageChars || r.ReadString() != embedder)
            {
                return null;
            }

            long sequence = r.ReadInt64();
            var strings = new string[r.ReadCount(sevenBit: false, minBytesEach: 1)];
            for (int i = 0; i < strings.Length; i++)
            {
                strings[i] = r.ReadString();
            }

            if (!RestoreMemories(r, strings, index) || !RestorePassages(r, strings, index) || !r.Finish())
            {
                return null;
            }

            index.Sequence = sequence;
            return sequence;
        }
        catch (Exception ex) when (ex is IOException or FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or MemoryCore.Errors.AgentMemException)
        {
            return null; // EndOfStreamException is an IOException
        }
    }

    public static void Delete(string cubeFolder) => File.Delete(Path.Combine(cubeFolder, FileName));

    /// <summary>The memories, then the posting lists; false on anything inconsistent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool RestoreMemories(SnapshotReader r, string[] strings, CubeIndex index)
    {
        // Each table string is interned (scope parts, actors, tags) or resolved to a term id at most once.
        var shared = new bool[strings.Length];
        var termIds = new int[strings.Length]; // a string's term id in the index, + 1 (0: not resolved yet)
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        string? Shared(int reference)
        {
            if (reference == 0)
            {
                return null;
            }

            int at = reference - 1;
            if (!shared[at])
            {
                strings[at] = index.Intern(strings[at])!;
                shared[at] = true;
            }

            return strings[at];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        int TermId(int at)
        {
            if (termIds[at] == 0)
            {
                termIds[at] = index.ItemIndex.InternTerm(strings[at]) + 1;
            }

            return termIds[at] - 1;
        }

        int count = r.ReadCount(sevenBit: false, minBytesEach: MemoryId.ByteLength);
        index.Reserve(count);
        var terms = new int[64];
        var frequencies = new int[64];
        (int Tenant, int User, int Agent, int Session) lastScope = (-1, -1, -1, -1);
        Scope? scope = null;
        for (int n = 0; n < count; n++)
        {
            var id = r.ReadId();
            string cube = Required(Deref(r, strings), "cube");
            var scopeRefs = (r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt(), r.Read7BitEncodedInt());
            if (scope is null || scopeRefs != lastScope)
            {
                scope = index.SharedScope(Required(Shared(scopeRefs.Item1), "tenant"), Shared(scopeRefs.Item2), Shared(scopeRefs.Item3), Shared(scopeRefs.Item4));
                lastScope = scopeRefs; // memories come in creation order: runs of one session
            }

            var kind = (MemoryKind)r.ReadByte();
            var state = (LifecycleState)r.ReadByte();
            int version = r.ReadInt32();
            var validFrom = ReadTime(r);
            var validTo = ReadTime(r);
            int tagCount = r.ReadCount(sevenBit: true, minBytesEach: 1);
            string[] tags = tagCount == 0 ? [] : new string[tagCount];
            for (int t = 0; t < tags.Length; t++)
            {
                tags[t] = Required(Shared(r.Read7BitEncodedInt()), "tag");
            }

            double importance = r.ReadDouble();
            double strength = r.ReadDouble();
            var lastRecalled = ReadTime(r);
            int recalls = r.ReadInt32();
            int linkCount = r.ReadCount(sevenBit: true, minBytesEach: MemoryId.ByteLength);
            MemoryLink[] links = linkCount == 0 ? [] : new MemoryLink[linkCount];
            for (int l = 0; l < links.Length; l++)
            {
                links[l] = new MemoryLink(r.ReadId(), Required(Deref(r, strings), "link type"), r.ReadDouble(), Deref(r, strings));
            }

            var source = (SourceKind)r.ReadByte();
            _ = Deref(r, strings); // the source reference: not kept in the slim copy (see CubeIndex.Slim)
            var provenance = new Provenance(source, null, Shared(r.Read7BitEncodedInt()), ReadTime(r)!.Value);
            var updated = ReadTime(r)!.Value;
            ulong textHash = r.ReadUInt64();
            ulong contentKey = r.ReadUInt64();
            byte flags = r.ReadByte();
            if ((flags & ~(MentionsTimeFlag | HasVectorFlag)) != 0)
            {
                return false;
            }

            bool time = (flags & MentionsTimeFlag) != 0;

            int termCount = r.ReadCount(sevenBit: true, minBytesEach: 2);
            if (terms.Length < termCount)
            {
                terms = new int[termCount];
                frequencies = new int[termCount];
            }

            for (int t = 0; t < termCount; t++)
            {
                terms[t] = TermId(r.Read7BitEncodedInt() - 1);
                frequencies[t] = r.Read7BitEncodedInt();
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
                Tags = tags,
                Importance = importance,
                Strength = strength,
                LastRecalledAt = lastRecalled,
                RecallCount = recalls,
                Links = links,
                UpdatedAt = updated,
            };
            if (index.TryGetSlot(id, out _) || index.Restore(item, textHash, contentKey, time, terms.AsSpan(0, termCount), frequencies.AsSpan(0, termCount)) != n)
            {
                return false; // a repeated id, or slots not handed out in order: not a snapshot of one index
            }
        }

        int postingLists = r.Read7BitEncodedInt();
        var docs = new List<int>();
        var tfs = new List<int>();
        for (int p = 0; p < postingLists; p++)
        {
            int term = TermId(r.Read7BitEncodedInt());
            int entries = r.Read7BitEncodedInt();
            docs.Clear();
            tfs.Clear();
            int row = 0;
            for (int e = 0; e < entries; e++)
            {
                row += r.Read7BitEncodedInt();
                docs.Add(row);
                tfs.Add(r.Read7BitEncodedInt());
            }

            if (!index.ItemIndex.RestorePosting(term, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(docs), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tfs)))
            {
                return false;
            }
        }

        return index.ItemIndex.RestoreIsConsistent;
    }

    /// <summary>The passages of long memories; false on anything inconsistent (a row that is not a memory, an empty passage).</summary>
    private static bool RestorePassages(SnapshotReader r, string[] strings, CubeIndex index)
    {
        int memories = r.Read7BitEncodedInt();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int m = 0; m < memories; m++)
        {
            int row = r.Read7BitEncodedInt();
            int passages = r.Read7BitEncodedInt();
            if (index.ItemAt(row) is null || passages < 1 || index.Passages.PassagesOf(row).Length > 0)
            {
                return false;
            }

            for (int p = 0; p < passages; p++)
            {
                var span = new MemoryCore.Text.TextSpan(r.Read7BitEncodedInt(), r.Read7BitEncodedInt());
                int termCount = r.Read7BitEncodedInt();
                counts.Clear();
                for (int t = 0; t < termCount; t++)
                {
                    counts[Deref(r, strings) ?? throw new FormatException("A passage term is null.")] = r.Read7BitEncodedInt();
                }

                if (span.Length < 1)
                {
                    return false;
                }

                index.Passages.Restore(row, span, counts, index.ItemIndex);
            }
        }

        return true;
    }

    /// <summary>A string-table reference: 0 for null, else the index + 1, 7-bit encoded. Returns the index.</summary>
    private static int Ref(BinaryWriter w, Dictionary<string, int> strings, string? value)
    {
        if (value is null)
        {
            w.Write7BitEncodedInt(0);
            return -1;
        }

        if (!strings.TryGetValue(value, out int id))
        {
            strings[value] = id = strings.Count;
        }

        w.Write7BitEncodedInt(id + 1);
        return id;
    }

    /// <summary>
    /// A reference that may not be null (cube, tenant, tag, link type): a null one is a damaged file, refused here, not
    /// read into the index, where a null tag threw NullReferenceException past <see cref="TryRead"/>'s catch.
    /// </summary>
    private static string Required(string? value, string what) => value ?? throw new FormatException($"A {what} is null.");

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? Deref(SnapshotReader r, string[] strings)
    {
        int reference = r.Read7BitEncodedInt();
        return reference == 0 ? null : strings[reference - 1];
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DateTimeOffset? ReadTime(SnapshotReader r) =>
        r.ReadBoolean() ? new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(r.ReadInt16())) : null;
}
