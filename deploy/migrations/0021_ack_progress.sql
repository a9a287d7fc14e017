-- 0021_ack_progress.sql - the acknowledgement that names the investigator
-- (R4), and the clocks of the response (R5): progress updates at the body's
-- cadence, the letter when the response is late, the six-month limit, and
-- extensions with the day the complainant agreed them.

-- R4: the acknowledgement is owed from receipt and asked for once: when the
-- investigator is assigned (so it can name them), when its due day comes
-- (naming the complaints manager), or when the complaint closes first.
-- '' = none owed (a compliment, a matter outside the regulations).
ALTER TABLE routing.complaint
  ADD COLUMN ack text NOT NULL DEFAULT '' CHECK (ack IN ('', 'owed', 'requested'));
-- The complaints already here had theirs asked for at receipt.
UPDATE routing.complaint SET ack = 'requested' WHERE classification = 'CLASSIFICATION_COMPLAINT';
CREATE INDEX complaint_ack_owed ON routing.complaint (ack_due) WHERE ack = 'owed';

-- What the watcher itself does on a deadline's due day, once: the owed
-- acknowledgement asked for (R4), Candour's standard progress update sent
-- when no one wrote one (R5), the late-response letter asked for.
ALTER TABLE routing.deadline ADD COLUMN acted_at timestamptz;

-- R5: the six months of the Regulations (reg. 14) as a deadline the watcher
-- raises like the others.
ALTER TABLE routing.deadline DROP CONSTRAINT deadline_name_check;
ALTER TABLE routing.deadline ADD CONSTRAINT deadline_name_check
  CHECK (name IN ('acknowledgement', 'response', 'update', 'contribution', 'six-months'));
INSERT INTO routing.deadline (reference, name, due, met_at, closed_at)
  SELECT reference, 'six-months',
         ((received_at AT TIME ZONE 'Europe/London')::date + interval '6 months')::date,
         response_sent_at,
         CASE WHEN response_sent_at IS NULL AND state NOT IN
              ('received', 'awaiting-consent', 'awaiting-summary-agreement', 'out-of-time',
               'under-investigation', 'awaiting-sign-off', 'response-approved')
              THEN now() END
  FROM routing.complaint WHERE classification = 'CLASSIFICATION_COMPLAINT'
  ON CONFLICT DO NOTHING;

-- An extension records the day it was agreed (a later response date beyond
-- six months stands only if agreed before they ended). Older ones: unknown.
ALTER TABLE routing.deadline_extension ADD COLUMN agreed_on date;

-- R5: the progress updates sent, each a letter (notify's kind progress-N).
CREATE TABLE routing.progress_update (
  reference   text NOT NULL REFERENCES routing.complaint (reference),
  number      integer NOT NULL CHECK (number > 0),
  text        text NOT NULL,            -- '' = Candour's standard update
  written_by  text NOT NULL,            -- staff_id; '' for the standard update
  update_due  date,                     -- the update deadline it met
  sent_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, number),
  CHECK ((text = '') = (written_by = ''))
);

-- R5, reg. 14(2): why the response is late and when to expect it, one per
-- response due date; told_at when the letter was asked for (the date has
-- passed).
CREATE TABLE routing.late_response (
  reference    text NOT NULL REFERENCES routing.complaint (reference),
  due          date NOT NULL,
  reason       text NOT NULL CHECK (length(reason) > 0),
  expected_by  date NOT NULL CHECK (expected_by >= due),
  explained_by text NOT NULL,           -- staff_id
  explained_at timestamptz NOT NULL DEFAULT now(),
  told_at      timestamptz,
  PRIMARY KEY (reference, due)
);

SELECT candour_admin.create_audit('routing',
  ARRAY['complaint', 'deadline', 'deadline_extension', 'contribution', 'route', 'org_policy',
        'staff', 'progress_update', 'late_response']);
