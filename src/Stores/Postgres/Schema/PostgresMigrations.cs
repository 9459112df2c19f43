namespace AgentMem.Stores.Postgres.Schema;

/// <summary>
/// The PostgreSQL schema history (its own numbering, independent of SQLite's). Never edit a released step: add a new one.
/// Every step runs as the connecting role, so it may not need a superuser; every table but <c>schema_migrations</c> is
/// bound to one tenant per transaction by row-level security.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The transaction-scoped advisory lock taken while migrating, so nodes starting together migrate once ("AGMM", 1).</summary>
    public const long AdvisoryLockKey = 0x41474D4D_00000001;

    /// <summary>The tables step 1 creates: finding one of them in a database without our <c>schema_migrations</c> means it is not ours.</summary>
    public static readonly IReadOnlyList<string> Tables =
    [
        "cubes", "memories", "memory_versions", "memory_tags", "memory_links", "audit_log",
        "change_counters", "memory_changes", "memory_embeddings", "write_ledger",
    ];

    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "initial: cubes, memories, versions, tags, links, audit, full text, change feed, embeddings, write ledger, row-level security", """
            CREATE TABLE schema_migrations(
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL);

            -- Ids, tenants and names compare and sort byte-wise ("C"), as in SQLite, whatever the database's collation.
            CREATE TABLE cubes(
                tenant        text COLLATE "C" NOT NULL,
                id            text COLLATE "C" NOT NULL,
                name          text COLLATE "C" NOT NULL,
                owner_user    text,
                owner_agent   text,
                owner_session text,
                description   text,
                grants_json   jsonb NOT NULL,
                policy_json   jsonb NOT NULL,
                created_at    timestamptz NOT NULL,
                updated_at    timestamptz NOT NULL,
                PRIMARY KEY (tenant, id),
                UNIQUE (tenant, name));

            -- search_vector: English stemming over the fields SQLite's FTS5 indexes, weighted like its bm25() call:
            -- text A (1.0), tags and keywords B (0.8), actor C (0.6), context D (0.4).
            CREATE TABLE memories(
                tenant           text COLLATE "C" NOT NULL,
                id               text COLLATE "C" NOT NULL,
                cube_id          text COLLATE "C" NOT NULL,
                user_id          text,
                agent_id         text,
                session_id       text,
                kind             integer NOT NULL,
                text             text NOT NULL,
                payload_json     jsonb,
                content_hash     text COLLATE "C" NOT NULL,
                source_kind      integer NOT NULL,
                source_ref       text,
                actor            text,
                recorded_at      timestamptz NOT NULL,
                valid_from       timestamptz,
                valid_to         timestamptz,
                version          integer NOT NULL,
                state            integer NOT NULL,
                state_reason     text,
                tags_json        jsonb NOT NULL,
                keywords_json    jsonb NOT NULL,
                context          text,
                importance       double precision NOT NULL,
                strength         double precision NOT NULL DEFAULT 1.0,
                last_recalled_at timestamptz,
                recall_count     integer NOT NULL DEFAULT 0,
                updated_at       timestamptz NOT NULL,
                search_vector    tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, text), 'A') ||
                    setweight(to_tsvector('english'::regconfig, tags_json), 'B') ||
                    setweight(to_tsvector('english'::regconfig, keywords_json), 'B') ||
                    setweight(to_tsvector('english'::regconfig, coalesce(actor, '')), 'C') ||
                    setweight(to_tsvector('english'::regconfig, coalesce(context, '')), 'D')) STORED,
                PRIMARY KEY (tenant, id),
                FOREIGN KEY (tenant, cube_id) REFERENCES cubes(tenant, id));
            CREATE INDEX ix_memories_cube ON memories(tenant, cube_id, id);
            CREATE INDEX ix_memories_hash ON memories(tenant, cube_id, content_hash);
            CREATE INDEX ix_memories_search ON memories USING gin(search_vector);

            CREATE TABLE memory_versions(
                tenant        text COLLATE "C" NOT NULL,
                memory_id     text COLLATE "C" NOT NULL,
                version       integer NOT NULL,
                snapshot_json jsonb NOT NULL,
                superseded_at timestamptz NOT NULL,
                PRIMARY KEY (tenant, memory_id, version));

            -- Tags match case-insensitively (SQLite: COLLATE NOCASE); the first spelling of a tag is kept.
            CREATE TABLE memory_tags(
                tenant    text COLLATE "C" NOT NULL,
                memory_id text COLLATE "C" NOT NULL,
                tag       text NOT NULL);
            CREATE UNIQUE INDEX ux_tags_memory ON memory_tags(tenant, memory_id, lower(tag));
            CREATE INDEX ix_tags_tag ON memory_tags(tenant, lower(tag));

            -- position keeps the links in the order they were written (SQLite: rowid).
            CREATE TABLE memory_links(
                tenant    text COLLATE "C" NOT NULL,
                source_id text COLLATE "C" NOT NULL,
                target_id text COLLATE "C" NOT NULL,
                type      text NOT NULL,
                weight    double precision NOT NULL,
                reason    text,
                position  bigint GENERATED ALWAYS AS IDENTITY,
                PRIMARY KEY (tenant, source_id, target_id, type));
            CREATE INDEX ix_links_target ON memory_links(tenant, target_id);

            CREATE TABLE audit_log(
                seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant    text COLLATE "C" NOT NULL,
                at        timestamptz NOT NULL,
                user_id   text,
                agent_id  text,
                action    text NOT NULL,
                cube_id   text COLLATE "C",
                memory_id text COLLATE "C",
                version   integer,
                detail    text);
            CREATE INDEX ix_audit_tenant ON audit_log(tenant, seq);
            CREATE INDEX ix_audit_memory ON audit_log(tenant, memory_id, seq);
            CREATE FUNCTION agentmem_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
            END $$;
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION agentmem_audit_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION agentmem_audit_append_only();

            -- The change feed. A cube's counter row is locked by the write that bumps it until that write commits, so
            -- sequence numbers are handed out in commit order per cube: a reader that saw N never later finds a new entry
            -- at or below N (a plain sequence would not promise that). The trigger covers every write path; the
            -- notification wakes other nodes, but readers poll the counter and never depend on it.
            CREATE TABLE change_counters(
                tenant  text COLLATE "C" NOT NULL,
                cube_id text COLLATE "C" NOT NULL,
                seq     bigint NOT NULL,
                PRIMARY KEY (tenant, cube_id));
            CREATE TABLE memory_changes(
                tenant    text COLLATE "C" NOT NULL,
                cube_id   text COLLATE "C" NOT NULL,
                seq       bigint NOT NULL,
                memory_id text COLLATE "C" NOT NULL,
                op        integer NOT NULL,
                PRIMARY KEY (tenant, cube_id, seq));
            """ + "\n" + RecordChangeFunction("CREATE FUNCTION", dropsOlderEntries: false) + "\n" + """
            CREATE TRIGGER memories_change_feed AFTER INSERT OR UPDATE OR DELETE ON memories
                FOR EACH ROW EXECUTE FUNCTION agentmem_record_change();

            -- The foreign key makes a purge take the memory's embeddings with it, and makes an embedding write wait for
            -- (or fail after) a concurrent purge instead of leaving an orphan behind.
            CREATE TABLE memory_embeddings(
                tenant    text COLLATE "C" NOT NULL,
                cube_id   text COLLATE "C" NOT NULL,
                memory_id text COLLATE "C" NOT NULL,
                embedder  text NOT NULL,
                text_hash text NOT NULL,
                vector    bytea NOT NULL,
                PRIMARY KEY (tenant, memory_id, embedder),
                FOREIGN KEY (tenant, memory_id) REFERENCES memories(tenant, id) ON DELETE CASCADE);
            CREATE INDEX ix_embeddings_cube ON memory_embeddings(tenant, cube_id, embedder);

            -- One row per committed write, with its result, so a write retried after an unacknowledged commit returns
            -- what the first attempt did instead of doing it again. Rows older than an hour are pruned.
            CREATE TABLE write_ledger(
                tenant   text COLLATE "C" NOT NULL,
                write_id uuid NOT NULL,
                result   jsonb NOT NULL,
                at       timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant, write_id));
            CREATE INDEX ix_write_ledger_at ON write_ledger(tenant, at);

            -- Tenant isolation, second line: every statement of the store also says "tenant = @t", but the database
            -- itself only shows a transaction the rows of the tenant it was bound to (set_config('agentmem.tenant', t,
            -- true)). FORCE binds the owning role too; superusers and BYPASSRLS roles are not bound (the store reports it).
            DO $$
            DECLARE
                t text;
            BEGIN
                FOREACH t IN ARRAY ARRAY['cubes', 'memories', 'memory_versions', 'memory_tags', 'memory_links', 'audit_log',
                                         'change_counters', 'memory_changes', 'memory_embeddings', 'write_ledger']
                LOOP
                    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
                    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
                    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant = current_setting(''agentmem.tenant'', true)) WITH CHECK (tenant = current_setting(''agentmem.tenant'', true))', t);
                END LOOP;
            END $$;
            """),

        // An audit detail is a reason a caller wrote freely (an update's reason, a note's evolution naming the keywords it
        // shares with another note), so a purge must be able to redact the details of the lines about the purged memory
        // and of lines naming it. The log stays append-only for everything else: the one update let through sets the
        // detail to the fixed marker (AuditRecord.RedactedDetail) and changes nothing else; deletes and truncation are
        // still refused.
        new(2, "audit details can be redacted by a purge, nothing else changes", """
            CREATE FUNCTION agentmem_audit_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.detail IS NOT DISTINCT FROM '{"redacted":true}'
                   AND (NEW.seq, NEW.tenant, NEW.at, NEW.user_id, NEW.agent_id, NEW.action, NEW.cube_id, NEW.memory_id, NEW.version)
                       IS NOT DISTINCT FROM (OLD.seq, OLD.tenant, OLD.at, OLD.user_id, OLD.agent_id, OLD.action, OLD.cube_id, OLD.memory_id, OLD.version) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'audit_log is append-only: only a purge may redact a detail' USING ERRCODE = 'insufficient_privilege';
            END $$;
            DROP TRIGGER audit_log_no_update ON audit_log;
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION agentmem_audit_redact_only();
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION agentmem_audit_append_only();
            """),

        // Counting a cube's live memories (the context builder's cube size, stats, a cube's item limit on every add) read
        // every row of the cube for its state; the index lets the count skip the rows' other columns.
        new(3, "an index to count a cube's memories by state", """
            CREATE INDEX ix_memories_state ON memories(tenant, cube_id, state);
            """),

        // Row-level security keeps a condition that calls a function not marked leakproof, such as lower(tag), out of an
        // index scan, so ix_tags_tag served the tenant only and every tag lookup read all of the tenant's tags (75,000 rows
        // to find an agent's two core blocks among 50,000 memories). A stored lower-cased column compares with the plain,
        // leakproof text equality, which the index can use.
        new(4, "a lower-cased tag column and its index, usable under row-level security", """
            ALTER TABLE memory_tags ADD COLUMN tag_key text GENERATED ALWAYS AS (lower(tag)) STORED;
            CREATE INDEX ix_tags_key ON memory_tags(tenant, tag_key);
            DROP INDEX ix_tags_tag;
            """),

        // BM25's document length is the memory's word count, stop words included, over the fields the search vector
        // holds (as FTS5 counts tokens). The vector cannot give it (stop words leave no lexeme and its last position is
        // only readable by unnesting it), so a stored column keeps it. The search averages it over the filtered memories
        // where it counts them, so the state index carries it: the count stays an index-only scan (50,000 memories:
        // 83 ms a search reading the rows, 59 ms with the column in the index, 54 ms before). Adding the column rewrites
        // the table once.
        new(5, "a stored word count of each memory's searchable fields, BM25's document length, in the state index", """
            ALTER TABLE memories ADD COLUMN search_length integer GENERATED ALWAYS AS (
                regexp_count(text || ' ' || tags_json::text || ' ' || keywords_json::text || ' ' || coalesce(actor, '') || ' ' || coalesce(context, ''), '\w+')) STORED;
            DROP INDEX ix_memories_state;
            CREATE INDEX ix_memories_state ON memories(tenant, cube_id, state) INCLUDE (search_length);
            """),

        // lower(tag) follows the database's locale: under C it folds nothing beyond ASCII ("ärger" missed "Ärger"), under
        // C.UTF-8 it folds the Kelvin sign to "k"; the in-memory store compares with OrdinalIgnoreCase. The key becomes a
        // column the store writes (TagKey), and the keys stored are rewritten by the same rule: an ASCII tag upper-cased
        // under the C collation (ASCII letters only, whatever the locale), any other through translate() over TagKey's
        // table (60 µs a tag, against 3 µs: 200,000 tags, a tenth of them beyond ASCII, took 1.8 s). The owner bypasses
        // row-level security only while it is not forced, so the update reaches every tenant's rows; the step's
        // transaction holds the table meanwhile.
        new(6, "tags match by a case-folded key the store computes, whatever the locale", TagKeyStep()),

        // A memory's tags were unique by lower(tag), which under C.UTF-8 folds the Kelvin sign to "k" and "İ" to "i": of
        // tags ["k", "\u212A"], which have different keys, the second row was dropped (ON CONFLICT DO NOTHING) and a filter
        // for it missed the memory. Unique by the key, the rule tags are matched by. Rows sharing a key (where lower()
        // folded less than the key, as under the C locale) match the same filters: one is kept. The rows dropped before are
        // written again from the memories' tags (only a tag beyond ASCII can have been dropped: ASCII tags fold alike
        // both ways). Row-level security is unforced meanwhile, as in step 6, so the owner reaches every tenant's rows.
        new(7, "a memory's tags are unique by their key, not by lower(tag)", TagKeyUniqueStep()),

        // A tsvector holds at most 1 MiB (of lexemes and positions), and the facade takes texts up to 4 MiB
        // (MemoryOSOptions.MaxContentBytes): a log or code paste of distinct tokens passed it, and the generated column
        // failed the add, an edit and a restore with 54000 "string is too long for tsvector". The vector is now built by a
        // function: as before for any text whose vector fits; past that, the text is read in pieces of
        // SearchVectorPieceChars (each small enough to fit whatever it holds: 10 bytes of vector a character at worst) and
        // indexed up to the piece that would take the whole vector past SearchVectorBudget. The other fields always count,
        // the text is stored whole and its word count (search_length) is the whole text's. Re-adding the column rewrites
        // the table once (ALTER COLUMN ... SET EXPRESSION needs PostgreSQL 17).
        new(8, "a memory's search vector stays within PostgreSQL's tsvector limit: a longer text is indexed up to it", SearchVectorStep()),

        // Every update of a memory appended a feed entry, recalls included (the hybrid retriever's strength boost reads the
        // counters from its cached copy, so readers need them), and nothing removed one: the feed grew with every recall
        // for the life of the deployment. An entry names only the memory and every reader re-reads it as it is now, so a
        // memory's older op-0 entries in a cube tell no reader anything its newest there does not (a reader before an older
        // one is before the newest too): a write now deletes them before appending its own, as SQLite's step 11 does. The
        // counter still moves on with every write, so a cube's last number never goes down. Concurrent writes of one memory
        // already wait for each other on its row, and writes of one cube on the counter row. The index is made before the
        // compaction, which runs once over every tenant (row-level security unforced, as in step 6).
        new(9, "a memory's newest change-feed entry in a cube replaces its older ones", """
            CREATE INDEX ix_changes_memory ON memory_changes(tenant, cube_id, memory_id);
            ALTER TABLE memory_changes NO FORCE ROW LEVEL SECURITY;
            DELETE FROM memory_changes c WHERE c.op = 0 AND EXISTS (
                SELECT 1 FROM memory_changes newer
                WHERE newer.tenant = c.tenant AND newer.cube_id = c.cube_id AND newer.memory_id = c.memory_id AND newer.seq > c.seq);
            ALTER TABLE memory_changes FORCE ROW LEVEL SECURITY;
            """ + "\n" + RecordChangeFunction("CREATE OR REPLACE FUNCTION", dropsOlderEntries: true)),

        // timestamptz keeps the instant alone, so the offset a caller gave was lost (as SQLite's step 12 says): it goes
        // beside it in minutes east of UTC; a row written before has none and reads in UTC. No rewrite: a column without a
        // default is added to the catalogue alone.
        new(10, "an event start keeps the offset it was given with", """
            ALTER TABLE memories ADD COLUMN valid_from_offset integer;
            """),

        // The content hash, which de-duplication matches, took line breaks as written and counted a leading byte order mark
        // or zero width space, so the same note from a Windows file and a Unix one was stored twice. ContentRules.ComputeHash
        // now normalises both, which SQL cannot compute as .NET does: the step's rewrite recomputes in .NET the hashes of the
        // only rows whose hash can change (ContentHashUpgrade), for every tenant, as SQLite's step 13 does: row-level security
        // is unforced meanwhile, as in step 6, on the memories and on the change feed's tables, which the update's trigger
        // writes. Versions already written keep their hash.
        new(11, "content hashes ignore line-ending style and leading invisible characters", """
            ALTER TABLE memories NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE change_counters NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE memory_changes NO FORCE ROW LEVEL SECURITY;
            """, PostgresContentHashStep.RewriteAsync),
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => All[^1].Version;

    /// <summary>
    /// How many bytes of vector (as <c>pg_column_size</c> counts them) step 8's function lets a memory's search vector reach
    /// before it stops indexing the text: under PostgreSQL's 1,048,575 bytes of lexemes and positions, which the size
    /// counted here exceeds (it adds the vector's header and entries).
    /// </summary>
    public const int SearchVectorBudget = 1_000_000;

    /// <summary>
    /// The piece of a long text step 8's function analyses at a time: small enough that its vector fits whatever it holds
    /// (one-character words joined by hyphens, the most measured, take 10 bytes a character).
    /// </summary>
    public const int SearchVectorPieceChars = 32_768;

    // The change-feed trigger's function, written by step 1 and rewritten by step 9 (which first drops a memory's older
    // op-0 entries in its cube): one text, so the two can differ only where the flag says.
    internal static string RecordChangeFunction(string createStatement, bool dropsOlderEntries) => $$"""
        {{createStatement}} agentmem_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            row_tenant text;
            row_cube   text;
            row_id     text;
            next_seq   bigint;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                row_tenant := OLD.tenant; row_cube := OLD.cube_id; row_id := OLD.id;
            ELSE
                row_tenant := NEW.tenant; row_cube := NEW.cube_id; row_id := NEW.id;
            END IF;
            INSERT INTO change_counters AS c(tenant, cube_id, seq) VALUES (row_tenant, row_cube, 1)
                ON CONFLICT (tenant, cube_id) DO UPDATE SET seq = c.seq + 1
                RETURNING c.seq INTO next_seq;
            {{(dropsOlderEntries ? "DELETE FROM memory_changes WHERE tenant = row_tenant AND cube_id = row_cube AND memory_id = row_id AND op = 0;" : "")}}
            INSERT INTO memory_changes(tenant, cube_id, seq, memory_id, op)
                VALUES (row_tenant, row_cube, next_seq, row_id, CASE WHEN TG_OP = 'DELETE' THEN 1 ELSE 0 END);
            PERFORM pg_notify('agentmem_changes', row_tenant || ':' || row_cube);
            RETURN NULL;
        END $$;
        """;

    // A text and a context of at most 64 KiB together (of UTF-8 or any server encoding) give at most 655,360 bytes of vector
    // plus the tags', keywords' and actor's: they are analysed as before without a subtransaction, the rest first whole
    // (the exception block costs one only for them) and piece by piece where that passes the limit. A piece ends after
    // its last white space, so no word is cut in two (a piece without any is cut where it ends).
    private static string SearchVectorStep() => $$"""
        CREATE FUNCTION agentmem_search_vector(body text, tags jsonb, keywords jsonb, actor text, context text) RETURNS tsvector
        LANGUAGE plpgsql IMMUTABLE AS $$
        DECLARE
            fields tsvector := setweight(to_tsvector('english'::regconfig, tags), 'B') ||
                               setweight(to_tsvector('english'::regconfig, keywords), 'B') ||
                               setweight(to_tsvector('english'::regconfig, coalesce(actor, '')), 'C') ||
                               setweight(to_tsvector('english'::regconfig, coalesce(context, '')), 'D');
            words  tsvector := '';
            piece  tsvector;
            part   text;
            total  integer;
            at     integer := 1;
            tail   integer;
        BEGIN
            IF octet_length(body) + coalesce(octet_length(context), 0) <= 65536 THEN
                RETURN setweight(to_tsvector('english'::regconfig, body), 'A') || fields;
            END IF;
            BEGIN
                RETURN setweight(to_tsvector('english'::regconfig, body), 'A') || fields;
            EXCEPTION WHEN program_limit_exceeded THEN
                NULL; -- past the limit: indexed piece by piece below
            END;
            total := length(body);
            WHILE at <= total LOOP
                part := substr(body, at, {{SearchVectorPieceChars}});
                IF at + length(part) <= total THEN
                    tail := regexp_instr(reverse(part), '\s') - 1;
                    IF tail >= 0 AND tail < length(part) - 1 THEN
                        part := left(part, length(part) - tail);
                    END IF;
                END IF;
                piece := setweight(to_tsvector('english'::regconfig, part), 'A');
                EXIT WHEN pg_column_size(words) + pg_column_size(piece) + pg_column_size(fields) > {{SearchVectorBudget}};
                words := words || piece;
                at := at + length(part);
            END LOOP;
            RETURN words || fields;
        END $$;
        ALTER TABLE memories DROP COLUMN search_vector;
        ALTER TABLE memories ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            agentmem_search_vector(text, tags_json, keywords_json, actor, context)) STORED;
        CREATE INDEX ix_memories_search ON memories USING gin(search_vector);
        """;

    private static string TagKeyStep() => $"""
        ALTER TABLE memory_tags ALTER COLUMN tag_key DROP EXPRESSION;
        ALTER TABLE memory_tags NO FORCE ROW LEVEL SECURITY;
        UPDATE memory_tags SET tag_key = {TagKeySql("tag")};
        ALTER TABLE memory_tags FORCE ROW LEVEL SECURITY;
        ALTER TABLE memory_tags ALTER COLUMN tag_key SET NOT NULL;
        """;

    private static string TagKeyUniqueStep() => $"""
        ALTER TABLE memory_tags NO FORCE ROW LEVEL SECURITY;
        ALTER TABLE memories NO FORCE ROW LEVEL SECURITY;
        DELETE FROM memory_tags a USING memory_tags b
            WHERE a.tenant = b.tenant AND a.memory_id = b.memory_id AND a.tag_key = b.tag_key AND a.ctid > b.ctid;
        DROP INDEX ux_tags_memory;
        CREATE UNIQUE INDEX ux_tags_memory_key ON memory_tags(tenant, memory_id, tag_key);
        INSERT INTO memory_tags(tenant, memory_id, tag, tag_key)
            SELECT m.tenant, m.id, x.tag, {TagKeySql("x.tag")}
            FROM memories m CROSS JOIN LATERAL jsonb_array_elements_text(m.tags_json) WITH ORDINALITY AS x(tag, n)
            WHERE m.tags_json::text ~ '[^\x01-\x7F]'
            ORDER BY m.tenant, m.id, x.n
            ON CONFLICT (tenant, memory_id, tag_key) DO NOTHING;
        ALTER TABLE memories FORCE ROW LEVEL SECURITY;
        ALTER TABLE memory_tags FORCE ROW LEVEL SECURITY;
        """;

    /// <summary>
    /// <see cref="TagKey.Of"/> of <paramref name="tag"/> in SQL: an ASCII tag upper-cased under the C collation (ASCII
    /// letters only, whatever the locale), any other through translate() over TagKey's table.
    /// </summary>
    private static string TagKeySql(string tag)
    {
        var (from, to) = TagKey.Translation();
        return $"""CASE WHEN {tag} ~ '^[\x01-\x7F]*$' THEN upper({tag} COLLATE "C") ELSE translate({tag}, '{from}', '{to}') END""";
    }
}
