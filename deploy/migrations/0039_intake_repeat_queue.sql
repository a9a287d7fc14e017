-- 0039_intake_repeat_queue.sql - repeats found after the receipt, not before
-- it (issue 15, L1; the first design, 0035, read each batch's candidates
-- before its commit, and the benchmark's intake fell by a third).
--
-- Every complaint stored (not a compliment: nobody's repeat) is queued here
-- by a statement trigger in the transaction that stores it, so none is
-- missed across a crash; intake's repeat check (services/intake/
-- repeat_check.c) takes the queue in pages after the receipts have gone,
-- finds each one's latest earlier complaint by the same complainant to the
-- body (repeat.h, with 0035's indexes), and in one transaction puts
-- complaint.repeat_found for those that have one and takes them all off the
-- queue: once each. A reference, and when it was queued: nothing personal.
CREATE TABLE IF NOT EXISTS intake.repeat_queue (
  reference text PRIMARY KEY,
  queued_at timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION intake.repeat_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO intake.repeat_queue (reference)
  SELECT n.reference FROM new_rows n
   WHERE n.classification IS DISTINCT FROM 'CLASSIFICATION_COMPLIMENT'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS complaint_repeat_enqueue ON intake.complaint;
CREATE TRIGGER complaint_repeat_enqueue AFTER INSERT ON intake.complaint
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION intake.repeat_enqueue();
