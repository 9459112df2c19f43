-- An AgentMem database as schema version 1 wrote it (before forgetting-curve fields and links).
-- Frozen: never edit this file; it proves later migrations apply to real version-1 data.
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

INSERT INTO schema_migrations(version, name, applied_at) VALUES (1, 'initial: cubes, memories, versions, tags, audit, fts5', '2024-06-01T09:00:00.0000000+00:00');

INSERT INTO cubes(tenant, id, name, owner_user, owner_agent, owner_session, description, grants_json, policy_json, created_at, updated_at)
VALUES ('acme', '01HZX3Q8Y0AAAAAAAAAAAAAAAA', 'notes', 'alice', NULL, NULL, 'Alice''s notes', '[]', '{"deduplicate":true,"retentionDays":0,"maxItems":0,"contextTokenBudget":0}', '2024-06-01T09:00:00.0000000+00:00', '2024-06-01T09:00:00.0000000+00:00');

INSERT INTO memories(tenant, id, cube_id, user_id, agent_id, session_id, kind, text, payload_json, content_hash, source_kind, source_ref, actor, recorded_at, valid_from, valid_to, version, state, state_reason, tags_json, keywords_json, context, importance, updated_at)
VALUES ('acme', '01HZX3Q8Y4V6N2K7M9P0R1S2T3', '01HZX3Q8Y0AAAAAAAAAAAAAAAA', 'alice', NULL, 's1', 0, 'Alice keeps her bike in the garage now', NULL,
        '0000000000000000000000000000000000000000000000000000000000000002', 0, 'chat/s1:1', 'Alice', '2024-06-01T10:00:00.0000000+00:00', '2024-06-01T10:00:00.0000000+00:00', NULL,
        2, 0, NULL, '["home"]', '[]', NULL, 0.5, '2024-06-02T10:00:00.0000000+00:00');
INSERT INTO memories(tenant, id, cube_id, user_id, agent_id, session_id, kind, text, payload_json, content_hash, source_kind, source_ref, actor, recorded_at, valid_from, valid_to, version, state, state_reason, tags_json, keywords_json, context, importance, updated_at)
VALUES ('acme', '01HZX3Q8Y4V6N2K7M9P0R1S2T4', '01HZX3Q8Y0AAAAAAAAAAAAAAAA', 'alice', NULL, 's1', 0, 'Alice is allergic to peanuts', NULL,
        '0000000000000000000000000000000000000000000000000000000000000003', 0, 'chat/s1:2', 'Alice', '2024-06-01T10:01:00.0000000+00:00', '2024-06-01T10:01:00.0000000+00:00', NULL,
        1, 0, NULL, '["health"]', '[]', NULL, 0.9, '2024-06-01T10:01:00.0000000+00:00');
INSERT INTO memory_tags(tenant, memory_id, tag) VALUES ('acme', '01HZX3Q8Y4V6N2K7M9P0R1S2T3', 'home');
INSERT INTO memory_tags(tenant, memory_id, tag) VALUES ('acme', '01HZX3Q8Y4V6N2K7M9P0R1S2T4', 'health');
INSERT INTO memory_versions(tenant, memory_id, version, snapshot_json, superseded_at)
VALUES ('acme', '01HZX3Q8Y4V6N2K7M9P0R1S2T3', 1, '{"id":"01HZX3Q8Y4V6N2K7M9P0R1S2T3","cubeId":"01HZX3Q8Y0AAAAAAAAAAAAAAAA","scope":{"tenant":"acme","user":"alice","session":"s1"},"kind":"Plaintext","text":"Alice keeps her bike in the basement","contentHash":"0000000000000000000000000000000000000000000000000000000000000001","provenance":{"source":"Conversation","sourceRef":"chat/s1:1","actor":"Alice","recordedAt":"2024-06-01T10:00:00.0000000+00:00"},"validFrom":"2024-06-01T10:00:00.0000000+00:00","version":1,"state":"Superseded","stateReason":"moved the bike","tags":["home"],"keywords":[],"importance":0.5,"links":[],"updatedAt":"2024-06-01T10:00:00.0000000+00:00"}', '2024-06-02T10:00:00.0000000+00:00');
INSERT INTO audit_log(tenant, at, user_id, agent_id, action, cube_id, memory_id, version, detail) VALUES ('acme', '2024-06-01T09:00:00.0000000+00:00', 'alice', NULL, 'cube.create', '01HZX3Q8Y0AAAAAAAAAAAAAAAA', NULL, NULL, 'notes');
INSERT INTO audit_log(tenant, at, user_id, agent_id, action, cube_id, memory_id, version, detail) VALUES ('acme', '2024-06-02T10:00:00.0000000+00:00', 'alice', NULL, 'update', '01HZX3Q8Y0AAAAAAAAAAAAAAAA', '01HZX3Q8Y4V6N2K7M9P0R1S2T3', 2, 'moved the bike');

PRAGMA application_id = 1095191885;
PRAGMA user_version = 1;
