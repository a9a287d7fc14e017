-- 0035_reporting_repeats.sql - the quarterly and annual reports' repeats and
-- actions and lessons (issue 15, L1 and L2).
--
-- Repeats. Intake says in complaint.received whether the same complainant
-- (services/intake/repeat.h: the same email address, or the same name at the
-- same postcode) complained to the same body in the 12 months before, as the
-- earlier complaint's reference only (repeat_of). It finds the candidates
-- among the body's complaints by email address, and by postcode and name:
-- these index the forms its lookup compares (services/intake/submit.c,
-- IN_EMAIL, IN_POSTCODE, IN_NAME; the same expressions, or the planner will
-- not use them), so that only the complaints of the same person are read
-- (at 400,000 complaints, a batch of 32 submissions reads 33 rows, ~2 ms).
CREATE INDEX IF NOT EXISTS complaint_by_email ON intake.complaint
  (org_id, (lower(btrim(body->'complainant'->>'email', E' \t\r\n\f\v'))), received_at);
CREATE INDEX IF NOT EXISTS complaint_by_postcode ON intake.complaint
  (org_id, (upper(regexp_replace(body->'complainant'->>'postcode', '[^A-Za-z0-9]', '', 'g'))),
   (lower(regexp_replace(body->'complainant'->>'name', '[^A-Za-z0-9]', '', 'g'))), received_at);

-- Reporting keeps that reference and nothing else of the person: the
-- earlier complaint's reference is a code like any other here.
ALTER TABLE reporting.complaint
  ADD COLUMN IF NOT EXISTS repeat_of reporting.code,
  -- how many lessons learned the investigation recorded (investigation.completed)
  ADD COLUMN IF NOT EXISTS lessons integer,
  -- the stamp of the completion the lessons and actions are of (apply.h)
  ADD COLUMN IF NOT EXISTS actions_us bigint;

-- Actions agreed to stop a failing happening again (V5), as the
-- investigation recorded them at its last completion: each one's number, due
-- date and the day it was done, never what it is or who owns it. A later
-- completion's replace an earlier's (recorded_us, as reporting.aspect).
CREATE TABLE IF NOT EXISTS reporting.action (
  reference   reporting.code NOT NULL REFERENCES reporting.complaint (reference) ON DELETE CASCADE,
  n           integer NOT NULL CHECK (n >= 1),
  due         date NOT NULL,
  done_on     date,              -- NULL while not done
  recorded_us bigint NOT NULL,
  PRIMARY KEY (reference, n)
);
