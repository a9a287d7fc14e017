-- 0022_case_summary.sql - what sign-off's quality gate checks the draft
-- response against (F1): the complainant's name and how they asked to be
-- addressed, which investigation now keeps from complaint.routed, and the
-- names the case marks as not to be disclosed in the response
-- (SetWithheld, services/investigation/withheld.h). All three go to sign-off
-- in investigation.completed's summary.
--
-- Columns only, on a table the audit trail covers already (0020's list):
-- create_audit is not run again.

-- '' for the cases opened before: routing did not pass them on, and a
-- complaint without a named complainant has none.
ALTER TABLE investigation."case"
  ADD COLUMN complainant_name text NOT NULL DEFAULT '',
  ADD COLUMN address_as       text NOT NULL DEFAULT '',
  -- Replaced whole by SetWithheld; its rules allow at most 50 names, and the
  -- table holds the bound too so that no other writer can pass it.
  ADD COLUMN withheld         text[] NOT NULL DEFAULT '{}'
                              CHECK (cardinality(withheld) <= 50);
