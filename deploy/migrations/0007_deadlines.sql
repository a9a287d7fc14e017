-- 0007: deadlines as rows (R4-R6): each with its due date, when it was met,
-- its extensions (a recorded new date and who agreed it), and when routing
-- raised it as due soon or overdue. The watcher reads due dates from here,
-- never from memory, so a restart loses no alert and repeats none.
CREATE TABLE routing.deadline (
  reference          text NOT NULL REFERENCES routing.complaint (reference),
  name               text NOT NULL CHECK (name IN ('acknowledgement', 'response', 'update', 'contribution')),
  party              text NOT NULL DEFAULT '',   -- contribution: the partner organisation
  due                date NOT NULL,
  met_at             timestamptz,
  closed_at          timestamptz,                -- no longer applies (withdrawn, recorded only)
  due_soon_raised_at timestamptz,
  overdue_raised_at  timestamptz,
  PRIMARY KEY (reference, name, party)
);
CREATE INDEX deadline_open ON routing.deadline (due) WHERE met_at IS NULL AND closed_at IS NULL;

CREATE TABLE routing.deadline_extension (
  id         bigserial PRIMARY KEY,
  reference  text NOT NULL,
  name       text NOT NULL,
  party      text NOT NULL DEFAULT '',
  old_due    date NOT NULL,
  new_due    date NOT NULL CHECK (new_due > old_due),
  agreed_by  text NOT NULL CHECK (length(agreed_by) > 0),
  reason     text NOT NULL CHECK (length(reason) > 0),
  at         timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (reference, name, party) REFERENCES routing.deadline (reference, name, party)
);

-- The complaints already here get their two deadlines as rows.
INSERT INTO routing.deadline (reference, name, due, met_at)
  SELECT reference, 'acknowledgement', ack_due, acknowledged_at FROM routing.complaint
  ON CONFLICT DO NOTHING;
INSERT INTO routing.deadline (reference, name, due, met_at)
  SELECT reference, 'response', response_due, response_sent_at FROM routing.complaint
  ON CONFLICT DO NOTHING;

-- notify: alerts for the complaints manager (references, never names).
CREATE TABLE notify.alert (
  id          bigserial PRIMARY KEY,
  event_id    uuid NOT NULL UNIQUE,
  reference   text NOT NULL,
  deadline    text NOT NULL,
  party       text NOT NULL DEFAULT '',
  level       text NOT NULL CHECK (level IN ('due-soon', 'overdue')),
  due         date NOT NULL,
  raised_at   timestamptz NOT NULL DEFAULT now(),
  spool_path  text
);
