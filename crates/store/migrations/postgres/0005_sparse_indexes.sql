-- ID numbers and credit codes are optional: most cases have none. Index only the values that
-- exist (see the SQLite migration: there the NULLs made the planner scan `cases` on every
-- registration); a query's `id_number = $n` implies `IS NOT NULL`, so it still uses them.
DROP INDEX cases_id_number;
CREATE INDEX cases_id_number ON cases (center, id_number, received_at DESC, id DESC)
    WHERE id_number IS NOT NULL;
DROP INDEX cases_credit_code;
CREATE INDEX cases_credit_code ON cases (center, credit_code) WHERE credit_code IS NOT NULL;
