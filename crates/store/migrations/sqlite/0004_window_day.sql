-- A day at the window (issue 8). Keep in step with ../postgres/0004_window_day.sql.

-- Units (SPEC §7): whether a unit receives cases (seeded for the service areas of 附件1; the
-- admin edits it), its phone (for the applicant's SMS), and a center's public address (the QR
-- code of the printed 登记表 and the links sent to applicants point there).
ALTER TABLE units ADD COLUMN handles_cases INTEGER NOT NULL DEFAULT 0;
UPDATE units SET handles_cases = 1 WHERE kind = 'area';
ALTER TABLE units ADD COLUMN phone TEXT;
ALTER TABLE units ADD COLUMN public_url TEXT;

-- Users: a password an admin set (the first admin's, a reset) is changed before anything else.
-- Sign-in failures are counted in `rate_limits` (per account and address) instead of here.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;

-- The case row's copies for the window's queue (the unit that registered) and the header search
-- (last four digits of the phone, the enterprise and its 统一社会信用代码). Filled by reindex.
ALTER TABLE cases ADD COLUMN received_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN phone_tail TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN enterprise_name TEXT;
ALTER TABLE cases ADD COLUMN credit_code TEXT;
CREATE INDEX cases_received_unit ON cases (center, received_unit, status);
CREATE INDEX cases_phone_tail ON cases (center, phone_tail);
CREATE INDEX cases_credit_code ON cases (center, credit_code);

-- The text index also holds the enterprise name: rebuilt (by reindex) with a third column.
DROP TABLE cases_fts;
CREATE VIRTUAL TABLE cases_fts USING fts5(
    applicant_name,
    description,
    enterprise_name,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61'
);

-- Registration is idempotent (SPEC §7): a key, per user, for 24 hours, answers with the case it
-- first registered; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    username TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    center TEXT NOT NULL,
    number TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (username, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Counted attempts with a window and a lock: sign-in per account and address, per address and per
-- account (the public side reuses it). `subject` and `address` are '' where a scope has none.
CREATE TABLE rate_limits (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    address TEXT NOT NULL,
    hits INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT,
    PRIMARY KEY (scope, subject, address)
) STRICT, WITHOUT ROWID;
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- Messages of a voided or merged case that were still owed are cancelled, never delivered.
ALTER TABLE notifications ADD COLUMN cancelled_at TEXT;
DROP INDEX notifications_pending;
CREATE INDEX notifications_pending ON notifications (id) WHERE sent_at IS NULL AND cancelled_at IS NULL;

-- Photos and scans of documents (JPEG, PNG, PDF), in the database so that backups and several
-- servers need nothing else; `seq` is the attachment's number within its case.
CREATE TABLE attachments (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;

-- Per-user settings of the pages: the ledger's columns, saved filters (我的常用筛选).
CREATE TABLE user_prefs (
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (username, name)
) STRICT, WITHOUT ROWID;

-- The clocks' four outcomes are read from the log anew, and the new columns are filled: the
-- first start after this migration rebuilds every derived row.
INSERT INTO maintenance (task) SELECT 'reindex' WHERE EXISTS (SELECT 1 FROM cases)
    ON CONFLICT (task) DO NOTHING;
