-- bancheng schema, SQLite dialect. Keep in step with ../postgres/0001_init.sql (same tables,
-- columns and constraint names). Timestamps: TEXT RFC 3339, whole seconds, UTC. Dates: TEXT
-- 'YYYY-MM-DD'. JSON: TEXT. Unique constraints are named `<table>_<columns>` on PostgreSQL; SQLite
-- reports them as `table.column`, which the store maps to the same name.

-- The unit tree of each center (SPEC §2). `id` keeps the tree's insertion order.
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    center TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES units (code),
    kind TEXT NOT NULL
) STRICT;
CREATE INDEX units_center ON units (center, id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code),
    center TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX users_center ON users (center, id);

-- API tokens: only the SHA-256 of the secret.
CREATE TABLE tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX tokens_user ON tokens (user_id);

-- Official working-day schedules with provenance (SPEC §4.3).
CREATE TABLE calendar_years (
    year INTEGER NOT NULL PRIMARY KEY,
    data TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
) STRICT;

-- Versions of each center's deadline policy (SPEC §4.2).
CREATE TABLE policies (
    center TEXT NOT NULL,
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (center, version)
) STRICT, WITHOUT ROWID;

-- The day's case sequence per center (SPEC §3): gapless, never reused.
CREATE TABLE counters (
    center TEXT NOT NULL,
    day TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (center, day)
) STRICT, WITHOUT ROWID;

-- The derived, queryable state of each case (SPEC §4.6: stored beside its events).
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    center TEXT NOT NULL,
    number TEXT NOT NULL,
    status TEXT NOT NULL,
    level TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT,
    applicant_name TEXT NOT NULL,
    phone TEXT NOT NULL,
    id_number TEXT,
    description TEXT NOT NULL,
    matter TEXT,
    unit TEXT,
    units TEXT NOT NULL,
    received_by TEXT NOT NULL,
    received_at TEXT NOT NULL,
    next_due TEXT,
    overdue INTEGER NOT NULL,
    reopen_count INTEGER NOT NULL,
    outcome TEXT,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    -- Last event of the chain (seq 0 and the genesis hash before the first one); lets
    -- verify_log detect a truncated chain.
    head_seq INTEGER NOT NULL,
    head_hash TEXT NOT NULL,
    UNIQUE (center, number)
) STRICT;
CREATE INDEX cases_center_received ON cases (center, received_at DESC, id DESC);
CREATE INDEX cases_center_status ON cases (center, status);
CREATE INDEX cases_center_next_due ON cases (center, next_due);
-- Repeat-trip lookup (SPEC §4.2): equality on center and phone, newest first, no scan.
CREATE INDEX cases_phone ON cases (center, phone, received_at DESC, id DESC);
CREATE INDEX cases_id_number ON cases (center, id_number, received_at DESC, id DESC);

-- Lead and co-units of each case, for unit filters and handler scoping (SPEC §2).
CREATE TABLE case_units (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    unit_code TEXT NOT NULL,
    PRIMARY KEY (case_id, unit_code)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_units_unit ON case_units (unit_code, case_id);

-- Chinese text search (SPEC §5): applicant name and description with every non-ASCII
-- character spaced out, so that each Han character is one unicode61 token and any substring
-- is an FTS5 phrase. Contentless: the store writes it in the case's transaction.
CREATE VIRTUAL TABLE cases_fts USING fts5(
    applicant_name,
    description,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61'
);

-- The append-only event log (SPEC §4.6). `payload` is the exact hashed JSON text.
CREATE TABLE case_events (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_unit TEXT NOT NULL,
    at TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT;

CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only (SPEC 4.6)');
END;

CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only (SPEC 4.6)');
END;

-- Outbox of messages written with the events, delivered by the notifications worker.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT
) STRICT;
CREATE INDEX notifications_pending ON notifications (id) WHERE sent_at IS NULL;
CREATE INDEX notifications_case ON notifications (case_id);

-- Web UI sessions (tower-sessions store).
CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    data BLOB NOT NULL,
    expiry_date TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions (expiry_date);
