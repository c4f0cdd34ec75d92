-- ID numbers and credit codes are optional: most cases have none. Indexed with their NULLs, the
-- planner's statistics (ANALYZE) describe one huge NULL group, and a lookup that binds NULL
-- (or, without per-value samples, any lookup) is judged no better than reading the table: the
-- repeat-trip lookup of every registration scanned `cases` after a restart (41 ms at 9,000
-- cases; the lookup no longer binds an ID number it does not have). Index only the values that
-- exist; a query's `id_number = ?` implies `IS NOT NULL`, so it still uses them.
DROP INDEX cases_id_number;
CREATE INDEX cases_id_number ON cases (center, id_number, received_at DESC, id DESC)
    WHERE id_number IS NOT NULL;
DROP INDEX cases_credit_code;
CREATE INDEX cases_credit_code ON cases (center, credit_code) WHERE credit_code IS NOT NULL;
