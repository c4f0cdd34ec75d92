-- Facts for queries (statistics, assessment, notifications), derived from each case's events and
-- written in the same transaction as the events; `bancheng reindex` rebuilds them from the log.
-- Keep in step with ../postgres/0003_case_facts.sql.

-- Every clock of a case (SPEC §4.2, §7): kind, due day, outcome (open | met | missed |
-- superseded), the round (reopens so far when set) and the unit whose clock it is.
CREATE TABLE case_deadlines (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    deadline_id INTEGER NOT NULL,
    center TEXT NOT NULL,
    kind TEXT NOT NULL,
    due TEXT NOT NULL,
    outcome TEXT NOT NULL,
    round INTEGER NOT NULL,
    unit_code TEXT,
    extended_from TEXT,
    provisional INTEGER NOT NULL,
    workdays INTEGER NOT NULL,
    policy_version INTEGER NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT,
    closed_at TEXT,
    note TEXT,
    PRIMARY KEY (case_id, deadline_id)
) STRICT, WITHOUT ROWID;
-- 按期办结率: the clocks of a kind that fell due in a period; per unit for the assessment.
CREATE INDEX case_deadlines_center_kind_due ON case_deadlines (center, kind, due);
CREATE INDEX case_deadlines_unit_due ON case_deadlines (unit_code, due);
-- 临期 and 超期 notices: open clocks by due day.
CREATE INDEX case_deadlines_open_due ON case_deadlines (due) WHERE outcome = 'open';

-- Return visits and ratings (四(四), 第六条): reached, satisfaction 1..5, regular or sampled.
CREATE TABLE case_visits (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    center TEXT NOT NULL,
    round INTEGER NOT NULL,
    reached INTEGER NOT NULL,
    satisfaction INTEGER,
    sampled INTEGER NOT NULL,
    by_user TEXT NOT NULL,
    role TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_visits_center_at ON case_visits (center, at);

-- 通报 (第五条): the unit, person and fault, counted in the assessment.
CREATE TABLE case_notices (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    center TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    person TEXT,
    fault TEXT NOT NULL,
    opinion TEXT NOT NULL,
    by_user TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_notices_center_at ON case_notices (center, at);
CREATE INDEX case_notices_unit_at ON case_notices (unit_code, at);

-- 办结答复, one per round: outcome, level and the unit that replied.
CREATE TABLE case_resolutions (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    center TEXT NOT NULL,
    round INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    level TEXT NOT NULL,
    unit_code TEXT,
    by_user TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX case_resolutions_center_at ON case_resolutions (center, at);

-- Versions of the facts each server caches (calendar, policies, units): bumped in the same
-- transaction as any change, read cheaply by every server to know when to reload.
CREATE TABLE cache_versions (
    name TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO cache_versions (name, version) VALUES ('calendar', 1), ('policies', 1), ('units', 1);

-- Maintenance owed after a migration: 'reindex' when cases existed before the fact tables, so
-- the first start rebuilds them from the log.
CREATE TABLE maintenance (
    task TEXT NOT NULL PRIMARY KEY
) STRICT, WITHOUT ROWID;
INSERT INTO maintenance (task) SELECT 'reindex' WHERE EXISTS (SELECT 1 FROM cases);
