-- 0026_delivery.sql - a letter's delivery as a state machine (N1): queued,
-- sent (an email the relay accepted), delivered (a letter by post, durable in
-- the print hot folder), failed (refused, or the last retry spent: raised to
-- the complaints manager). Every attempt is kept; retries wait with backoff.

ALTER TABLE notify.letter
  ADD COLUMN state           text NOT NULL DEFAULT 'queued'
                             CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
  ADD COLUMN attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN last_error      text,
  ADD COLUMN failed_at       timestamptz,
  -- Who the letter is to when it is not the complainant (the patient asked
  -- for consent, I2): a Person as JSON; NULL = the complainant.
  ADD COLUMN recipient       jsonb,
  -- How the hot folder's manifest and the email know the letter (file names,
  -- the attachment): pages of its PDF, once typeset.
  ADD COLUMN pages           integer;
UPDATE notify.letter SET state = 'delivered' WHERE delivered_at IS NOT NULL;
ALTER TABLE notify.letter
  ADD CONSTRAINT letter_state_times CHECK (
    (state IN ('sent', 'delivered')) = (delivered_at IS NOT NULL) AND
    (state = 'failed') = (failed_at IS NOT NULL));
DROP INDEX IF EXISTS notify.letter_undelivered;
CREATE INDEX letter_queued ON notify.letter (next_attempt_at)
  WHERE state = 'queued' AND not_sent IS NULL;

-- Each attempt to deliver a letter, as it went. detail may hold what the
-- relay said (which can name the address): it stays here, never in a log.
CREATE TABLE notify.delivery_attempt (
  id        bigserial PRIMARY KEY,
  letter_id uuid NOT NULL REFERENCES notify.letter (letter_id),
  attempt   integer NOT NULL CHECK (attempt >= 0),
  at        timestamptz NOT NULL DEFAULT now(),
  channel   text NOT NULL,
  -- sent, delivered, retry, refused: a try; bounced, delayed: what the
  -- relay's bounce said later; resent: queued again by an operator.
  outcome   text NOT NULL CHECK (outcome IN ('sent', 'delivered', 'retry', 'refused', 'bounced',
                                             'delayed', 'resent')),
  code      integer NOT NULL DEFAULT 0,
  detail    text NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempt_letter ON notify.delivery_attempt (letter_id, id);

-- Alerts are no longer only deadlines: a letter that could not be delivered,
-- and a task for the team (an access need a plain letter does not meet, I7).
-- Each goes to the spool and, with a relay, by email to the complaints
-- manager; references only.
ALTER TABLE notify.alert DROP CONSTRAINT alert_level_check;
-- Raised by notify itself (no event; no due date): deadline '' and due NULL.
ALTER TABLE notify.alert ALTER COLUMN event_id DROP NOT NULL, ALTER COLUMN due DROP NOT NULL;
ALTER TABLE notify.alert
  ADD COLUMN kind          text NOT NULL DEFAULT 'deadline'
                           CHECK (kind IN ('deadline', 'delivery-failed', 'access-need')),
  ADD COLUMN letter_id     uuid REFERENCES notify.letter (letter_id),
  ADD COLUMN detail        text NOT NULL DEFAULT '',
  ADD COLUMN org_id        text NOT NULL DEFAULT '',
  ADD COLUMN email_state   text NOT NULL DEFAULT 'none'
                           CHECK (email_state IN ('none', 'queued', 'sent', 'failed')),
  ADD COLUMN email_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN email_next_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN email_error   text,
  ADD CONSTRAINT alert_level_check
    CHECK (level IN ('due-soon', 'overdue', 'failed', 'task'));
CREATE UNIQUE INDEX alert_per_letter ON notify.alert (letter_id, kind) WHERE letter_id IS NOT NULL;
CREATE INDEX alert_email_queued ON notify.alert (email_next_at) WHERE email_state = 'queued';

-- The body's letterhead as the letter was written (its name, address and
-- how to reach it, from its settings or its template), printed atop page 1
-- and heading the text; and the patient, when not the complainant, whom a
-- consent request is written to (I2).
ALTER TABLE notify.letter ADD COLUMN head text NOT NULL DEFAULT '';
ALTER TABLE notify.recipient ADD COLUMN patient jsonb;
