-- 0040_reporting_monthly_deferred.sql - reporting.monthly (0034) kept off
-- the per-event path (issue 18). 0034 re-derived the counts of every
-- statement's complaints at the end of the statement: 6 syncs a complaint,
-- most with nothing to do, and every complaint a new version of its body's
-- hot month rows. Now a change only notes its reference, and the counts are
-- brought in step for all noted references at once, later but never late:
--
-- Noting: row triggers, each with a WHEN that lets through only a change
-- that can move a count (0034's tests: the body a complaint counts under,
-- whether it is a complaint, the month it came in; an aspect's subject and
-- service area; a row inserted or deleted that counts). Every other
-- statement (most events: a status, a date, an upsert that changes none of
-- these) costs nothing here. A note is a row of reporting.monthly_dirty,
-- written in the changing transaction, so it is as durable as the change.
--
-- Flushing: reporting.monthly_flush() takes every note and applies, in one
-- statement, the difference between each noted complaint's parts
-- (reporting.monthly_part) and what it counts under now: one delta an (org,
-- dimension, code, month), in key order. candour-reporting calls it on a
-- timer (CANDOUR_REPORTING_MONTHLY_FLUSH_MS), `candourctl reporting
-- rebuild` at the end of every page, and every read of reporting.monthly
-- first, in its own transaction, through reporting.monthly_read(): so a
-- report or an alert counts every change committed before it.
--
-- Exactly, with writers at work: the flush locks the note table in SHARE
-- ROW EXCLUSIVE mode: one flush at a time; a flush waits for every
-- transaction that has noted something to commit, and a writer that comes
-- to note while a flush runs waits for the flush to commit. So every change
-- noted is either seen by the flush's reading of the base tables or noted
-- again after it, never lost between the two. A flush locks
-- reporting.complaint before anything else, as a rebuild's TRUNCATE does,
-- so the two wait for each other rather than deadlock.
--
-- Invariant: for every reference, either it is noted, or its parts are what
-- it counts under now; so reporting.monthly after a flush equals a GROUP BY
-- over the base tables (tests/integration/test_spc.c, test_spc_flush.c).

CREATE TABLE IF NOT EXISTS reporting.monthly_dirty (
  reference reporting.code PRIMARY KEY
);

-- A note of the row's reference (both, should an update change it).
CREATE OR REPLACE FUNCTION reporting.monthly_note() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO reporting.monthly_dirty (reference) VALUES (OLD.reference) ON CONFLICT DO NOTHING;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.reference IS DISTINCT FROM OLD.reference) THEN
    INSERT INTO reporting.monthly_dirty (reference) VALUES (NEW.reference) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$fn$;

-- 0034's statement triggers go; the truncate ones stay (their function is
-- replaced below).
DROP TRIGGER IF EXISTS monthly_complaint_insert ON reporting.complaint;
DROP TRIGGER IF EXISTS monthly_complaint_update ON reporting.complaint;
DROP TRIGGER IF EXISTS monthly_complaint_delete ON reporting.complaint;
DROP TRIGGER IF EXISTS monthly_aspect_insert ON reporting.aspect;
DROP TRIGGER IF EXISTS monthly_aspect_update ON reporting.aspect;
DROP TRIGGER IF EXISTS monthly_aspect_delete ON reporting.aspect;
DROP FUNCTION IF EXISTS reporting.monthly_on_complaint();
DROP FUNCTION IF EXISTS reporting.monthly_on_aspect();
DROP FUNCTION IF EXISTS reporting.monthly_sync(text[]); -- monthly_flush does its work for all
DROP FUNCTION IF EXISTS reporting.monthly_want(text[]);

-- A complaint row counts when it is a complaint with a day received and a
-- body: inserted or deleted, only such a row can move a count (one that
-- does not has no parts, or is noted already since it last had some).
DROP TRIGGER IF EXISTS monthly_note_complaint_insert ON reporting.complaint;
CREATE TRIGGER monthly_note_complaint_insert AFTER INSERT ON reporting.complaint
  FOR EACH ROW
  WHEN (coalesce(NEW.kind, 'complaint') = 'complaint' AND NEW.received_on IS NOT NULL
        AND coalesce(NEW.lead_org, NEW.made_to_org) IS NOT NULL)
  EXECUTE FUNCTION reporting.monthly_note();
DROP TRIGGER IF EXISTS monthly_note_complaint_update ON reporting.complaint;
CREATE TRIGGER monthly_note_complaint_update AFTER UPDATE ON reporting.complaint
  FOR EACH ROW
  WHEN (coalesce(OLD.lead_org, OLD.made_to_org) IS DISTINCT FROM coalesce(NEW.lead_org, NEW.made_to_org)
        OR coalesce(OLD.kind, 'complaint') IS DISTINCT FROM coalesce(NEW.kind, 'complaint')
        OR date_trunc('month', OLD.received_on) IS DISTINCT FROM date_trunc('month', NEW.received_on)
        OR OLD.reference IS DISTINCT FROM NEW.reference)
  EXECUTE FUNCTION reporting.monthly_note();
DROP TRIGGER IF EXISTS monthly_note_complaint_delete ON reporting.complaint;
CREATE TRIGGER monthly_note_complaint_delete AFTER DELETE ON reporting.complaint
  FOR EACH ROW
  WHEN (coalesce(OLD.kind, 'complaint') = 'complaint' AND OLD.received_on IS NOT NULL
        AND coalesce(OLD.lead_org, OLD.made_to_org) IS NOT NULL)
  EXECUTE FUNCTION reporting.monthly_note();
DROP TRIGGER IF EXISTS monthly_note_aspect_insert ON reporting.aspect;
CREATE TRIGGER monthly_note_aspect_insert AFTER INSERT ON reporting.aspect
  FOR EACH ROW WHEN (NEW.subject IS NOT NULL OR NEW.service_area IS NOT NULL)
  EXECUTE FUNCTION reporting.monthly_note();
DROP TRIGGER IF EXISTS monthly_note_aspect_update ON reporting.aspect;
CREATE TRIGGER monthly_note_aspect_update AFTER UPDATE ON reporting.aspect
  FOR EACH ROW
  WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.service_area IS DISTINCT FROM NEW.service_area
        OR OLD.reference IS DISTINCT FROM NEW.reference)
  EXECUTE FUNCTION reporting.monthly_note();
DROP TRIGGER IF EXISTS monthly_note_aspect_delete ON reporting.aspect;
CREATE TRIGGER monthly_note_aspect_delete AFTER DELETE ON reporting.aspect
  FOR EACH ROW WHEN (OLD.subject IS NOT NULL OR OLD.service_area IS NOT NULL)
  EXECUTE FUNCTION reporting.monthly_note();

-- TRUNCATE (`candourctl reporting rebuild`): the complaints' empties the
-- counts, their parts and the notes; the aspects' alone notes the
-- complaints counted under a subject or service area.
CREATE OR REPLACE FUNCTION reporting.monthly_on_truncate() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_TABLE_NAME = 'complaint' THEN
    TRUNCATE reporting.monthly, reporting.monthly_part, reporting.monthly_dirty;
  ELSE
    INSERT INTO reporting.monthly_dirty (reference)
    SELECT DISTINCT p.reference FROM reporting.monthly_part p WHERE p.dimension <> 'provider'
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$fn$;

-- Every noted complaint brought in step, the notes taken: the number of
-- references flushed (0 at once when there are none). Set-based: the
-- parts taken out (-1 each) and put in (+1 each) summed to one delta a key,
-- applied in key order; a count that reaches 0 removed.
CREATE OR REPLACE FUNCTION reporting.monthly_flush() RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  flushed integer;
BEGIN
  LOCK TABLE reporting.complaint, reporting.aspect IN ACCESS SHARE MODE;
  IF NOT EXISTS (SELECT 1 FROM reporting.monthly_dirty) THEN
    RETURN 0;
  END IF;
  LOCK TABLE reporting.monthly_dirty IN SHARE ROW EXCLUSIVE MODE;
  WITH d AS (
         DELETE FROM reporting.monthly_dirty RETURNING reference::text AS reference),
       c AS (
         SELECT c.reference::text AS reference, coalesce(c.lead_org, c.made_to_org)::text AS body,
                date_trunc('month', c.received_on)::date AS month
           FROM d JOIN reporting.complaint c ON c.reference = d.reference
          WHERE coalesce(c.kind, 'complaint') = 'complaint' AND c.received_on IS NOT NULL
            AND coalesce(c.lead_org, c.made_to_org) IS NOT NULL),
       want AS (
         SELECT c.reference, c.body AS org, 'provider'::text AS dimension, c.body AS code, c.month
           FROM c
         UNION
         SELECT c.reference, c.body, 'subject', a.subject::text, c.month
           FROM c JOIN reporting.aspect a ON a.reference = c.reference WHERE a.subject IS NOT NULL
         UNION
         SELECT c.reference, c.body, 'service', a.service_area::text, c.month
           FROM c JOIN reporting.aspect a ON a.reference = c.reference
          WHERE a.service_area IS NOT NULL),
       gone AS (
         DELETE FROM reporting.monthly_part p USING d WHERE p.reference = d.reference
         RETURNING p.org::text AS org, p.dimension, p.code::text AS code, p.month),
       -- after gone (its count first): a part kept is deleted and put again
       put AS (
         INSERT INTO reporting.monthly_part (reference, org, dimension, code, month)
         SELECT w.reference, w.org, w.dimension, w.code, w.month FROM want w
          WHERE (SELECT count(*) FROM gone) >= 0
         RETURNING org::text AS org, dimension, code::text AS code, month),
       delta AS (
         SELECT org, dimension, code, month, sum(x.d)::integer AS d
           FROM (SELECT org, dimension, code, month, -1 AS d FROM gone
                 UNION ALL SELECT org, dimension, code, month, 1 FROM put) x
          GROUP BY 1, 2, 3, 4 HAVING sum(x.d) <> 0),
       applied AS (
         INSERT INTO reporting.monthly AS m (org, dimension, code, month, n)
         SELECT org, dimension, code, month, d FROM delta ORDER BY 1, 2, 3, 4
         ON CONFLICT (org, dimension, code, month) DO UPDATE SET n = m.n + EXCLUDED.n
         RETURNING 1)
  SELECT count(*) INTO flushed FROM d; -- applied runs all the same (a WITH's DML always does)
  DELETE FROM reporting.monthly m WHERE m.n <= 0;
  RETURN flushed;
END
$fn$;

-- reporting.monthly as every reader reads it: flushed first, in the
-- reader's transaction, then one body's rows (p_org) or every body's (NULL).
CREATE OR REPLACE FUNCTION reporting.monthly_read(p_org text)
RETURNS TABLE (org text, dimension text, code text, month date, n integer)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
BEGIN
  PERFORM reporting.monthly_flush();
  IF p_org IS NULL THEN
    RETURN QUERY SELECT m.org::text, m.dimension, m.code::text, m.month, m.n FROM reporting.monthly m;
  ELSE
    RETURN QUERY SELECT m.org::text, m.dimension, m.code::text, m.month, m.n FROM reporting.monthly m
                  WHERE m.org = p_org;
  END IF;
END
$fn$;

-- 0034's triggers left the counts in step: nothing is noted to begin with.
