-- 0033_reporting_aggregates.sql - the reports' speed (issue 15, item 4):
-- indexes that answer the reports' counts from the index alone.
--
-- Every report counts a body's complaints as coalesce(lead_org, made_to_org)
-- (services/reporting/reports_sql.c, S_BODY) and leaves compliments out;
-- 0030's indexes are on lead_org and made_to_org apart, which that
-- expression cannot use, so each statement read the whole table: at a
-- million complaints (tests/bench/reports.sh) the quarterly report took 1.6
-- s, the annual 2 s and the benchmark 8 s and more.
--
-- These index the expression itself by the three dates a period is counted
-- on (received, responded, referred to the Ombudsman), and carry what the
-- commonest counts read (a body's months, its responses in time, its
-- working days to respond), so those are index-only scans of the body's
-- rows of the period. PostgreSQL plans an index-only scan of an expression
-- index only when the expression's columns are in the index too (its
-- manual, "Index-Only Scans and Covering Indexes"): hence lead_org,
-- made_to_org and kind among the INCLUDEd. Only columns that rarely change
-- after receipt, or change with the response (whose date 0030 indexes
-- already): a change to an indexed column makes the consumer's update of
-- the row write every index (no HOT update), so the acknowledgement,
-- outcome and Ombudsman columns stay out. Index-only scans need the
-- visibility map set, which autovacuum keeps; until it has, they read the
-- table as well. At a million complaints these bring every report under a
-- second (the README's "Performance").
--
-- Indexes rather than a maintained aggregate table (counts by body and day,
-- kept by a trigger or by apply_sql.c): the reports take any period to the
-- day, the median needs every response's working days, and an aggregate row
-- a body and day would be updated by every event of every complaint of that
-- day, a hot row the consumer's concurrent transactions would queue (and
-- could deadlock) on. An index costs the consumer no lock, cannot count
-- differently from the base table, and needs nothing of `candourctl
-- reporting rebuild`.
--
-- The first two are not partial: the planner keeps statistics of an
-- indexed expression only for an index on all the rows, and without them it
-- guesses a body has a few dozen complaints and plans as if so.
CREATE INDEX IF NOT EXISTS complaint_by_body_received ON reporting.complaint
  ((coalesce(lead_org, made_to_org)), received_on)
  INCLUDE (lead_org, made_to_org, kind);
CREATE INDEX IF NOT EXISTS complaint_by_body_sent ON reporting.complaint
  ((coalesce(lead_org, made_to_org)), response_sent_on)
  INCLUDE (lead_org, made_to_org, kind, received_on, response_on_time);
CREATE INDEX IF NOT EXISTS complaint_by_body_ombudsman ON reporting.complaint
  ((coalesce(lead_org, made_to_org)), ombudsman_referred_on)
  INCLUDE (lead_org, made_to_org, kind, ombudsman_outcome)
  WHERE ombudsman_referred_on IS NOT NULL AND coalesce(kind, 'complaint') = 'complaint';
-- The bodies a body is compared with (reports_sql.c, S_BODIES): the other
-- body of each complaint it leads or was made, from the index alone.
CREATE INDEX IF NOT EXISTS complaint_lead_made_to ON reporting.complaint (lead_org, made_to_org);
CREATE INDEX IF NOT EXISTS complaint_made_to_lead ON reporting.complaint (made_to_org, lead_org);
-- Statistics of the two expressions every report filters on (S_BODY): the
-- body, and whether it is a complaint (not a compliment). Without the
-- second the planner takes coalesce(kind, 'complaint') = 'complaint' to keep
-- one row in two hundred, and sorts and joins a year of every body's
-- complaints as if it were a few hundred rows. (PostgreSQL 14 and later.)
CREATE STATISTICS IF NOT EXISTS reporting.complaint_body_kind
  ON (coalesce(lead_org, made_to_org)), (coalesce(kind, 'complaint')) FROM reporting.complaint;
-- These statistics are gathered by ANALYZE, and only once the index and
-- the statistics object exist.
ANALYZE reporting.complaint;
