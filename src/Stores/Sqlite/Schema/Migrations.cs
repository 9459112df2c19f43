namespace AgentMem.Stores.Sqlite.Schema;

/// <summary>
/// The schema history. Never edit a released step: add a new one. Tests open a database written by
/// version 1 (tests/Stores.Tests/Fixtures/schema_v1.sql) to prove every later step applies to real data.
/// </summary>
internal static class Migrations
{
    /// <summary>Written to <c>PRAGMA application_id</c> so we can tell our files from other SQLite files ("AGMM").</summary>
    public const int ApplicationId = 0x41474D4D;

    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "initial: cubes, memories, versions, tags, audit, fts5", """
            CREATE TABLE schema_migrations(
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL);

            CREATE TABLE cubes(
                tenant        TEXT NOT NULL,
                id            TEXT NOT NULL,
                name          TEXT NOT NULL,
                owner_user    TEXT,
                owner_agent   TEXT,
                owner_session TEXT,
                description   TEXT,
                grants_json   TEXT NOT NULL,
                policy_json   TEXT NOT NULL,
                created_at    TEXT NOT NULL,
                updated_at    TEXT NOT NULL,
                PRIMARY KEY(tenant, id),
                UNIQUE(tenant, name));

            -- seq is an explicit rowid so the external-content FTS index survives VACUUM.
            CREATE TABLE memories(
                seq           INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant        TEXT NOT NULL,
                id            TEXT NOT NULL UNIQUE,
                cube_id       TEXT NOT NULL,
                user_id       TEXT,
                agent_id      TEXT,
                session_id    TEXT,
                kind          INTEGER NOT NULL,
                text          TEXT NOT NULL,
                payload_json  TEXT,
                content_hash  TEXT NOT NULL,
                source_kind   INTEGER NOT NULL,
                source_ref    TEXT,
                actor         TEXT,
                recorded_at   TEXT NOT NULL,
                valid_from    TEXT,
                valid_to      TEXT,
                version       INTEGER NOT NULL,
                state         INTEGER NOT NULL,
                state_reason  TEXT,
                tags_json     TEXT NOT NULL,
                keywords_json TEXT NOT NULL,
                context       TEXT,
                importance    REAL NOT NULL,
                updated_at    TEXT NOT NULL);
            CREATE INDEX ix_memories_cube ON memories(tenant, cube_id, id);
            CREATE INDEX ix_memories_hash ON memories(tenant, cube_id, content_hash);

            CREATE TABLE memory_versions(
                tenant        TEXT NOT NULL,
                memory_id     TEXT NOT NULL,
                version       INTEGER NOT NULL,
                snapshot_json TEXT NOT NULL,
                superseded_at TEXT NOT NULL,
                PRIMARY KEY(memory_id, version));
            CREATE INDEX ix_versions_tenant ON memory_versions(tenant, memory_id);

            CREATE TABLE memory_tags(
                tenant    TEXT NOT NULL,
                memory_id TEXT NOT NULL,
                tag       TEXT NOT NULL COLLATE NOCASE,
                PRIMARY KEY(memory_id, tag));
            CREATE INDEX ix_tags_tag ON memory_tags(tenant, tag);

            CREATE TABLE audit_log(
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant    TEXT NOT NULL,
                at        TEXT NOT NULL,
                user_id   TEXT,
                agent_id  TEXT,
                action    TEXT NOT NULL,
                cube_id   TEXT,
                memory_id TEXT,
                version   INTEGER,
                detail    TEXT);
            CREATE INDEX ix_audit_memory ON audit_log(tenant, memory_id);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

            CREATE VIRTUAL TABLE memories_fts USING fts5(
                text, actor, tags_json, keywords_json, context,
                content='memories', content_rowid='seq',
                tokenize='porter unicode61 remove_diacritics 2');
            CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memories_fts(rowid, text, actor, tags_json, keywords_json, context)
                VALUES (new.seq, new.text, new.actor, new.tags_json, new.keywords_json, new.context);
            END;
            CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memories_fts(memories_fts, rowid, text, actor, tags_json, keywords_json, context)
                VALUES ('delete', old.seq, old.text, old.actor, old.tags_json, old.keywords_json, old.context);
            END;
            CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, actor, tags_json, keywords_json, context ON memories BEGIN
                INSERT INTO memories_fts(memories_fts, rowid, text, actor, tags_json, keywords_json, context)
                VALUES ('delete', old.seq, old.text, old.actor, old.tags_json, old.keywords_json, old.context);
                INSERT INTO memories_fts(rowid, text, actor, tags_json, keywords_json, context)
                VALUES (new.seq, new.text, new.actor, new.tags_json, new.keywords_json, new.context);
            END;
            """),
        new(2, "forgetting-curve fields and typed links", """
            ALTER TABLE memories ADD COLUMN strength REAL NOT NULL DEFAULT 1.0;
            ALTER TABLE memories ADD COLUMN last_recalled_at TEXT;
            ALTER TABLE memories ADD COLUMN recall_count INTEGER NOT NULL DEFAULT 0;

            CREATE TABLE memory_links(
                tenant    TEXT NOT NULL,
                source_id TEXT NOT NULL,
                target_id TEXT NOT NULL,
                type      TEXT NOT NULL,
                weight    REAL NOT NULL,
                PRIMARY KEY(source_id, target_id, type));
            CREATE INDEX ix_links_target ON memory_links(tenant, target_id);
            """),
        new(3, "link reasons", """
            ALTER TABLE memory_links ADD COLUMN reason TEXT;
            """),

        // Every update deletes and rewrites a memory's tags and outgoing links, and every read fetches its links. Without
        // these, SQLite answered "tenant = ? AND memory_id = ?" through the (tenant, tag) and (tenant, target_id) indexes,
        // scanning the whole tenant: updates slowed down linearly as the database grew.
        new(4, "indexes for per-memory tag and link lookups", """
            CREATE INDEX ix_tags_memory ON memory_tags(tenant, memory_id);
            CREATE INDEX ix_links_source ON memory_links(tenant, source_id);
            """),

        // The change feed: every committed write to a memory row appends (seq, tenant, cube, memory, op) in the same
        // transaction, by trigger, so no write path can forget it. Indexes in any process catch up from their last seq;
        // op 1 (purged) is how another process's purge reaches them. Existing rows are seeded as upserts.
        // Persisted embeddings are keyed by memory and embedder identity and carry the hash of the text they embed, so a
        // restart re-embeds nothing unchanged; they leave with their memory (purge) by trigger too.
        new(5, "change feed and persisted embeddings", """
            CREATE TABLE memory_changes(
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                tenant    TEXT NOT NULL,
                cube_id   TEXT NOT NULL,
                memory_id TEXT NOT NULL,
                op        INTEGER NOT NULL);
            CREATE INDEX ix_changes_cube ON memory_changes(tenant, cube_id, seq);
            INSERT INTO memory_changes(tenant, cube_id, memory_id, op) SELECT tenant, cube_id, id, 0 FROM memories ORDER BY seq;
            CREATE TRIGGER memory_changes_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (new.tenant, new.cube_id, new.id, 0);
            END;
            CREATE TRIGGER memory_changes_update AFTER UPDATE ON memories BEGIN
                INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (new.tenant, new.cube_id, new.id, 0);
            END;
            CREATE TRIGGER memory_changes_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (old.tenant, old.cube_id, old.id, 1);
            END;

            CREATE TABLE memory_embeddings(
                tenant    TEXT NOT NULL,
                cube_id   TEXT NOT NULL,
                memory_id TEXT NOT NULL,
                embedder  TEXT NOT NULL,
                text_hash TEXT NOT NULL,
                vector    BLOB NOT NULL,
                PRIMARY KEY(memory_id, embedder));
            CREATE INDEX ix_embeddings_cube ON memory_embeddings(tenant, cube_id, embedder);
            CREATE TRIGGER memory_embeddings_purge AFTER DELETE ON memories BEGIN
                DELETE FROM memory_embeddings WHERE memory_id = old.id;
            END;

            -- A purged memory's terms must leave the full-text index's pages at once, not at the next segment merge.
            INSERT INTO memories_fts(memories_fts, rank) VALUES ('secure-delete', 1);
            """),

        // An audit detail is a reason a caller wrote freely (an update's reason, a note's evolution naming the keywords it
        // shares with another note), so a purge must be able to redact the details of the lines about the purged memory
        // and of lines naming it. The log stays append-only for everything else: the one update let through sets the
        // detail to the fixed marker (AuditRecord.RedactedDetail) and changes nothing else; deletes are still refused.
        new(6, "audit details can be redacted by a purge, nothing else changes", """
            DROP TRIGGER audit_log_no_update;
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                WHEN NOT (new.detail IS '{"redacted":true}'
                    AND new.seq IS old.seq AND new.tenant IS old.tenant AND new.at IS old.at
                    AND new.user_id IS old.user_id AND new.agent_id IS old.agent_id AND new.action IS old.action
                    AND new.cube_id IS old.cube_id AND new.memory_id IS old.memory_id AND new.version IS old.version)
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only a purge may redact a detail'); END;
            """),

        // Every new version rewrites the whole row, so "UPDATE OF text, ..." fired on state changes, recalls and link edits
        // too, and each firing deletes and re-inserts the row's terms (a secure delete, which rewrites pages). Only a
        // change of an indexed column needs the index touched: archiving 16,000 memories spent most of its time here.
        new(7, "the full-text index is rewritten only when an indexed column changes", """
            DROP TRIGGER memories_fts_update;
            CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, actor, tags_json, keywords_json, context ON memories
                WHEN old.text IS NOT new.text OR old.actor IS NOT new.actor OR old.tags_json IS NOT new.tags_json
                    OR old.keywords_json IS NOT new.keywords_json OR old.context IS NOT new.context
                BEGIN
                    INSERT INTO memories_fts(memories_fts, rowid, text, actor, tags_json, keywords_json, context)
                    VALUES ('delete', old.seq, old.text, old.actor, old.tags_json, old.keywords_json, old.context);
                    INSERT INTO memories_fts(rowid, text, actor, tags_json, keywords_json, context)
                    VALUES (new.seq, new.text, new.actor, new.tags_json, new.keywords_json, new.context);
                END;
            """),

        // Counting a cube's live memories (the context builder's cube size, stats, a cube's item limit on every add) read
        // every row of the cube for its state: 140 ms on 50,000 memories. A covering index answers it in about 2 ms.
        new(8, "an index to count a cube's memories by state", """
            CREATE INDEX ix_memories_state ON memories(tenant, cube_id, state);
            """),

        // Tags and keywords were written with every character beyond ASCII (and apostrophes) escaped, which the full-text
        // index took as it stood: "café" was indexed as "caf" and "u00e9", so no search found it. Rewriting them as plain
        // JSON re-indexes those rows through the update trigger (the old terms go as they were indexed).
        new(9, "tags and keywords indexed as text, not JSON escapes", """
            UPDATE memories SET
                tags_json = (SELECT json_group_array(value) FROM json_each(memories.tags_json)),
                keywords_json = (SELECT json_group_array(value) FROM json_each(memories.keywords_json))
            WHERE instr(tags_json, '\u') > 0 OR instr(keywords_json, '\u') > 0;
            """),

        // The tag column's NOCASE folds ASCII only, so a filter for "ärger" missed a memory tagged "Ärger", which the
        // in-memory store (OrdinalIgnoreCase) finds. Tags now match by a key the store computes (TagKey; the migration
        // calls it as agentmem_tag_key, which SchemaManager registers), indexed as the tag was; the tag keeps its spelling.
        new(10, "tags match by a case-folded key, beyond ASCII too", """
            ALTER TABLE memory_tags ADD COLUMN tag_key TEXT NOT NULL DEFAULT '';
            UPDATE memory_tags SET tag_key = agentmem_tag_key(tag);
            CREATE INDEX ix_tags_key ON memory_tags(tenant, tag_key);
            DROP INDEX ix_tags_tag;
            """),

        // Every update of a row appended a feed entry, recalls included (strength, last recall and count, which the hybrid
        // retriever's strength boost reads from its cached copy, so readers need them), and nothing ever removed one: the
        // feed grew with every recall over the agent's life. An entry names only the memory, and every reader re-reads the
        // memory as it is now, so an older op-0 entry of a memory in a cube tells no reader anything its newer entry there
        // does not (a reader before the older one is before the newer one too): an update or a purge now drops them. The
        // feed keeps one entry per memory, plus one per purged memory; the sequence still moves on with every write.
        new(11, "a memory's newest change-feed entry in a cube replaces its older ones", """
            CREATE INDEX ix_changes_memory ON memory_changes(memory_id);
            DELETE FROM memory_changes WHERE op = 0 AND EXISTS (
                SELECT 1 FROM memory_changes newer
                WHERE newer.memory_id = memory_changes.memory_id AND newer.tenant = memory_changes.tenant
                    AND newer.cube_id = memory_changes.cube_id AND newer.seq > memory_changes.seq);
            DROP TRIGGER memory_changes_update;
            CREATE TRIGGER memory_changes_update AFTER UPDATE ON memories BEGIN
                DELETE FROM memory_changes WHERE memory_id = new.id AND tenant = new.tenant AND cube_id = new.cube_id AND op = 0;
                INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (new.tenant, new.cube_id, new.id, 0);
            END;
            DROP TRIGGER memory_changes_delete;
            CREATE TRIGGER memory_changes_delete AFTER DELETE ON memories BEGIN
                DELETE FROM memory_changes WHERE memory_id = old.id AND tenant = old.tenant AND cube_id = old.cube_id AND op = 0;
                INSERT INTO memory_changes(tenant, cube_id, memory_id, op) VALUES (old.tenant, old.cube_id, old.id, 1);
            END;
            """),

        // valid_from holds the instant as UTC text, which sorts and filters in time order, and so lost the offset a caller
        // gave: 8 pm on 7 May in Hawaii read back as 6 am on 8 May, the day the context showed and the linking job dated
        // "yesterday" from. The offset (minutes east of UTC) goes beside it; a row written before has none and reads in UTC.
        new(12, "an event start keeps the offset it was given with", """
            ALTER TABLE memories ADD COLUMN valid_from_offset INTEGER;
            """),

        // The content hash, which de-duplication matches, took line breaks as written and counted a leading byte order mark
        // or zero width space, so the same note from a Windows file and a Unix one was stored twice. ContentRules.ComputeHash
        // now normalises both; the hashes stored before are recomputed (agentmem_content_hash, which SchemaManager
        // registers) for the only rows whose hash can change (ContentHashUpgrade): a text holding a CR, FF, NEL, LS or PS,
        // or whose first character past ASCII white space lies beyond ASCII. Versions already written keep their hash. One
        // statement in the step's transaction: SQLite passes the rows through the function one at a time (no page of them is
        // held in .NET), and a row whose hash is right already is not written, so a rerun writes nothing. Only the hash is
        // written: two rows stored before whose texts now hash alike stay two memories.
        new(13, "content hashes ignore line-ending style and leading invisible characters", """
            UPDATE memories SET content_hash = agentmem_content_hash(kind, text, payload_json)
            WHERE (instr(text, char(13)) > 0 OR instr(text, char(12)) > 0 OR instr(text, char(133)) > 0
                    OR instr(text, char(8232)) > 0 OR instr(text, char(8233)) > 0
                    OR unicode(ltrim(text, ' ' || char(9, 10, 11, 12, 13))) > 126)
                AND content_hash IS NOT agentmem_content_hash(kind, text, payload_json);
            """),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => All[^1].Version;
}
