-- bancheng schema, PostgreSQL dialect. Keep in step with ../sqlite/0001_init.sql (same tables,
-- columns and constraint names `<table>_<columns>`, which StoreError::Duplicate reports).

-- Substring search over Chinese text (SPEC §5). Needs a UTF-8 database (CJK trigrams).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The unit tree of each center (SPEC §2). `id` keeps the tree's insertion order.
CREATE TABLE units (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL CONSTRAINT units_code UNIQUE,
    center TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES units (code),
    kind TEXT NOT NULL
);
CREATE INDEX units_center ON units (center, id);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT NOT NULL CONSTRAINT users_username UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units (code),
    center TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_center ON users (center, id);

-- API tokens: only the SHA-256 of the secret.
CREATE TABLE tokens (
    token_hash TEXT NOT NULL CONSTRAINT tokens_token_hash PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX tokens_user ON tokens (user_id);

-- Official working-day schedules with provenance (SPEC §4.3).
CREATE TABLE calendar_years (
    year INTEGER NOT NULL CONSTRAINT calendar_years_year PRIMARY KEY,
    data TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    imported_by TEXT NOT NULL
);

-- Versions of each center's deadline policy (SPEC §4.2).
CREATE TABLE policies (
    center TEXT NOT NULL,
    version INTEGER NOT NULL,
    data JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    CONSTRAINT policies_center_version PRIMARY KEY (center, version)
);

-- The day's case sequence per center (SPEC §3): gapless, never reused. The upsert's row lock
-- serializes concurrent registrations of the same center and day, even across servers.
CREATE TABLE counters (
    center TEXT NOT NULL,
    day DATE NOT NULL,
    value BIGINT NOT NULL,
    CONSTRAINT counters_center_day PRIMARY KEY (center, day)
);

-- The derived, queryable state of each case (SPEC §4.6: stored beside its events).
CREATE TABLE cases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    center TEXT NOT NULL,
    -- Byte order, so that a number prefix is an index range.
    number TEXT COLLATE "C" NOT NULL,
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
    units JSONB NOT NULL,
    received_by TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    next_due DATE,
    overdue BOOLEAN NOT NULL,
    reopen_count INTEGER NOT NULL,
    outcome TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL,
    state JSONB NOT NULL,
    -- Last event of the chain (seq 0 and the genesis hash before the first one); lets
    -- verify_log detect a truncated chain.
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    CONSTRAINT cases_center_number UNIQUE (center, number)
);
CREATE INDEX cases_center_received ON cases (center, received_at DESC, id DESC);
CREATE INDEX cases_center_status ON cases (center, status);
CREATE INDEX cases_center_next_due ON cases (center, next_due);
-- Repeat-trip lookup (SPEC §4.2): equality on center and phone, newest first, no scan.
CREATE INDEX cases_phone ON cases (center, phone, received_at DESC, id DESC);
CREATE INDEX cases_id_number ON cases (center, id_number, received_at DESC, id DESC);
CREATE INDEX cases_applicant_name_trgm ON cases USING gin (applicant_name gin_trgm_ops);
CREATE INDEX cases_description_trgm ON cases USING gin (description gin_trgm_ops);

-- Lead and co-units of each case, for unit filters and handler scoping (SPEC §2).
CREATE TABLE case_units (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    unit_code TEXT NOT NULL,
    CONSTRAINT case_units_case_id_unit_code PRIMARY KEY (case_id, unit_code)
);
CREATE INDEX case_units_unit ON case_units (unit_code, case_id);

-- The append-only event log (SPEC §4.6). `payload` is TEXT, not JSONB: it must keep the exact
-- hashed text (JSONB reorders keys).
CREATE TABLE case_events (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_unit TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT case_events_case_id_seq PRIMARY KEY (case_id, seq)
);

CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only (SPEC 4.6)';
END
$$;

CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

-- Outbox of messages written with the events, delivered by the notifications worker.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
CREATE INDEX notifications_pending ON notifications (id) WHERE sent_at IS NULL;
CREATE INDEX notifications_case ON notifications (case_id);

-- Web UI sessions (tower-sessions store).
CREATE TABLE sessions (
    id TEXT NOT NULL CONSTRAINT sessions_id PRIMARY KEY,
    data BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry_date);
