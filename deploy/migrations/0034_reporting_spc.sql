-- 0034_reporting_spc.sql - statistical process control (issue 15, L6): the
-- monthly counts the SPC report and the SPC alerts read, kept by triggers;
-- the signals raised; and notify's alerts of a new kind.
--
-- reporting.monthly: complaints received a month, by body, for three
-- dimensions: 'provider' (the body's total: code is the body itself),
-- 'subject' and 'service' (the KO41a subject and service area codes). A
-- complaint counts once a month under 'provider' for its body
-- coalesce(lead_org, made_to_org), and once under each distinct subject and
-- each distinct service area of its aspects, in the month it was received;
-- compliments (kind 'compliment') count nowhere, as in the reports
-- (services/reporting/reports_sql.c, S_BODY). A row is there only while its
-- count is above 0, so the table equals a GROUP BY over the base tables.
--
-- How it stays in step: reporting.monthly_part holds, for each complaint,
-- the (body, month, dimension, code) it is counted under now. After every
-- statement that changes a complaint's body, kind or day received, or an
-- aspect's codes, its complaints' sets are re-derived from the base tables
-- as they are then (an AFTER statement trigger: the statement's other rows,
-- an upsert's outcome and a cascade's deletes are all there) and the
-- difference is applied to reporting.monthly: -1 for each part it had, +1
-- for each it has now. Doing it twice changes nothing the second time, so
-- the order the triggers run in, and how many run for one complaint, does
-- not matter. TRUNCATE (`candourctl reporting rebuild`) empties both, and
-- the replay counts again.
--
-- Contention: a body's month row is updated by every complaint received in
-- it (0033's worry about hot rows). The one writer is reporting's consumer,
-- whose transactions run one after another on one connection; a rebuild
-- locks the tables first. Rows are changed in key order, so two writers
-- wait for each other rather than deadlock.

CREATE TABLE IF NOT EXISTS reporting.monthly (
  org       reporting.code NOT NULL,
  dimension text NOT NULL CHECK (dimension IN ('provider', 'subject', 'service')),
  code      reporting.code NOT NULL,
  month     date NOT NULL CHECK (month = date_trunc('month', month)::date),
  n         integer NOT NULL,  -- above 0 but inside monthly_sync
  PRIMARY KEY (org, dimension, code, month)
);

-- The counts a sync took to 0, to remove (found by this, not a scan).
CREATE INDEX IF NOT EXISTS monthly_zero ON reporting.monthly (org) WHERE n <= 0;

CREATE TABLE IF NOT EXISTS reporting.monthly_part (
  reference reporting.code NOT NULL,
  org       reporting.code NOT NULL,
  dimension text NOT NULL,
  code      reporting.code NOT NULL,
  month     date NOT NULL,
  PRIMARY KEY (reference, dimension, code)
);

-- What the complaints refs count under now, from the base tables.
CREATE OR REPLACE FUNCTION reporting.monthly_want(refs text[])
RETURNS TABLE (reference text, org text, dimension text, code text, month date)
LANGUAGE sql STABLE AS $fn$
  WITH c AS (
    SELECT c.reference::text AS reference, coalesce(c.lead_org, c.made_to_org)::text AS body,
           date_trunc('month', c.received_on)::date AS month
      FROM reporting.complaint c
     WHERE c.reference = ANY (refs) AND coalesce(c.kind, 'complaint') = 'complaint'
       AND c.received_on IS NOT NULL AND coalesce(c.lead_org, c.made_to_org) IS NOT NULL)
  SELECT c.reference, c.body, 'provider', c.body, c.month FROM c
  UNION
  SELECT c.reference, c.body, 'subject', a.subject::text, c.month FROM c
    JOIN reporting.aspect a ON a.reference = c.reference WHERE a.subject IS NOT NULL
  UNION
  SELECT c.reference, c.body, 'service', a.service_area::text, c.month FROM c
    JOIN reporting.aspect a ON a.reference = c.reference WHERE a.service_area IS NOT NULL
$fn$;

-- Bring the complaints refs' contributions to reporting.monthly in step:
-- their parts taken out (-1 each), their parts now put in (+1 each), the
-- difference applied in key order, and a count that reaches 0 removed.
-- Set-based, so a statement of many rows (a COPY, a cascade) costs about
-- what counting them once would.
CREATE OR REPLACE FUNCTION reporting.monthly_sync(refs text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF refs IS NULL OR cardinality(refs) = 0 THEN
    RETURN;
  END IF;
  WITH gone AS (
         DELETE FROM reporting.monthly_part p WHERE p.reference = ANY (refs)
         RETURNING p.org::text AS org, p.dimension, p.code::text AS code, p.month),
       put AS (
         INSERT INTO reporting.monthly_part (reference, org, dimension, code, month)
         SELECT * FROM reporting.monthly_want(refs)
         RETURNING org::text AS org, dimension, code::text AS code, month),
       delta AS (
         SELECT org, dimension, code, month, sum(d)::integer AS d
           FROM (SELECT org, dimension, code, month, -1 AS d FROM gone
                 UNION ALL SELECT org, dimension, code, month, 1 FROM put) x
          GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0)
  INSERT INTO reporting.monthly AS m (org, dimension, code, month, n)
  SELECT org, dimension, code, month, d FROM delta ORDER BY 1, 2, 3, 4
  ON CONFLICT (org, dimension, code, month) DO UPDATE SET n = m.n + EXCLUDED.n;
  DELETE FROM reporting.monthly m WHERE m.n <= 0;
END
$fn$;

-- The triggers: one a table and event (a transition table is of one
-- event), each passing the references its statement touched. An update
-- counts only when it moved something counted (the body a complaint counts
-- under, whether it is a complaint, the month it came in): most events
-- change other columns, and routing naming the body a complaint was made to
-- as its lead moves nothing. (A reference itself never changes: the key.)
CREATE OR REPLACE FUNCTION reporting.monthly_on_complaint() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM reporting.monthly_sync(ARRAY(SELECT n.reference::text FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM reporting.monthly_sync(ARRAY(SELECT o.reference::text FROM old_rows o));
  ELSE
    PERFORM reporting.monthly_sync(ARRAY(
      SELECT n.reference::text FROM new_rows n JOIN old_rows o ON o.reference = n.reference
       WHERE coalesce(o.lead_org, o.made_to_org) IS DISTINCT FROM coalesce(n.lead_org, n.made_to_org)
          OR coalesce(o.kind, 'complaint') IS DISTINCT FROM coalesce(n.kind, 'complaint')
          OR date_trunc('month', o.received_on) IS DISTINCT FROM date_trunc('month', n.received_on)));
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION reporting.monthly_on_aspect() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM reporting.monthly_sync(ARRAY(SELECT DISTINCT n.reference::text FROM new_rows n));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM reporting.monthly_sync(ARRAY(SELECT DISTINCT o.reference::text FROM old_rows o));
  ELSE
    PERFORM reporting.monthly_sync(ARRAY(
      SELECT DISTINCT n.reference::text FROM new_rows n
        JOIN old_rows o ON o.reference = n.reference AND o.issue_id = n.issue_id
       WHERE o.subject IS DISTINCT FROM n.subject
          OR o.service_area IS DISTINCT FROM n.service_area));
  END IF;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION reporting.monthly_on_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'complaint' THEN
    TRUNCATE reporting.monthly, reporting.monthly_part;
  ELSE
    PERFORM reporting.monthly_sync(ARRAY(
      SELECT DISTINCT p.reference::text FROM reporting.monthly_part p
       WHERE p.dimension <> 'provider'));
  END IF;
  RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS monthly_complaint_insert ON reporting.complaint;
CREATE TRIGGER monthly_complaint_insert AFTER INSERT ON reporting.complaint
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_complaint();
DROP TRIGGER IF EXISTS monthly_complaint_update ON reporting.complaint;
CREATE TRIGGER monthly_complaint_update AFTER UPDATE ON reporting.complaint
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_complaint();
DROP TRIGGER IF EXISTS monthly_complaint_delete ON reporting.complaint;
CREATE TRIGGER monthly_complaint_delete AFTER DELETE ON reporting.complaint
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_complaint();
DROP TRIGGER IF EXISTS monthly_aspect_insert ON reporting.aspect;
CREATE TRIGGER monthly_aspect_insert AFTER INSERT ON reporting.aspect
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_aspect();
DROP TRIGGER IF EXISTS monthly_aspect_update ON reporting.aspect;
CREATE TRIGGER monthly_aspect_update AFTER UPDATE ON reporting.aspect
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_aspect();
DROP TRIGGER IF EXISTS monthly_aspect_delete ON reporting.aspect;
CREATE TRIGGER monthly_aspect_delete AFTER DELETE ON reporting.aspect
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_aspect();
DROP TRIGGER IF EXISTS monthly_complaint_truncate ON reporting.complaint;
CREATE TRIGGER monthly_complaint_truncate AFTER TRUNCATE ON reporting.complaint
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_truncate();
DROP TRIGGER IF EXISTS monthly_aspect_truncate ON reporting.aspect;
CREATE TRIGGER monthly_aspect_truncate AFTER TRUNCATE ON reporting.aspect
  FOR EACH STATEMENT EXECUTE FUNCTION reporting.monthly_on_truncate();

-- The complaints already here.
TRUNCATE reporting.monthly, reporting.monthly_part;
INSERT INTO reporting.monthly_part (reference, org, dimension, code, month)
  SELECT * FROM reporting.monthly_want(ARRAY(SELECT reference::text FROM reporting.complaint));
INSERT INTO reporting.monthly (org, dimension, code, month, n)
  SELECT org, dimension, code, month, count(*) FROM reporting.monthly_part
   GROUP BY 1, 2, 3, 4;

-- The signals the SPC watch raised (services/reporting/spc_watch.c): one a
-- body, dimension, code, month and rule, so a signal is sent once however
-- often the watch looks. Codes and numbers only.
CREATE TABLE IF NOT EXISTS reporting.spc_signal (
  org        reporting.code NOT NULL,
  dimension  text NOT NULL CHECK (dimension IN ('provider', 'subject', 'service')),
  code       reporting.code NOT NULL,
  month      date NOT NULL,
  rule       text NOT NULL
             CHECK (rule IN ('increase', 'cluster', 'sustained-increase', 'rising-trend')),
  value      integer NOT NULL,
  mean       double precision NOT NULL,
  upper      double precision NOT NULL,
  points     integer NOT NULL,
  raised_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org, dimension, code, month, rule)
);

-- notify: an SPC signal is an alert for the body's complaints manager
-- (kind 'spc', level 'signal'; deadline holds the rule, detail the facts).
ALTER TABLE notify.alert DROP CONSTRAINT IF EXISTS alert_kind_check;
ALTER TABLE notify.alert
  ADD CONSTRAINT alert_kind_check CHECK (kind IN ('deadline', 'delivery-failed', 'access-need', 'spc'));
ALTER TABLE notify.alert DROP CONSTRAINT IF EXISTS alert_level_check;
ALTER TABLE notify.alert
  ADD CONSTRAINT alert_level_check CHECK (level IN ('due-soon', 'overdue', 'failed', 'task', 'signal'));
