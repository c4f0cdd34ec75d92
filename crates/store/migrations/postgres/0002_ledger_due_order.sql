-- The 台账 sorted by deadline (open deadlines first, then undated cases): an index on exactly the
-- ORDER BY of `LedgerSort::DueAsc`, so a page is an index walk instead of a sort of every case.
CREATE INDEX cases_center_due_order ON cases (center, (next_due IS NULL), next_due, id);
