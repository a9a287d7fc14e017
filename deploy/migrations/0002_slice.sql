-- 0002: each service's own state for the first end-to-end slice.

-- intake: the complaint as received. body is the submitted Complaint as JSON.
CREATE TABLE intake.complaint (
  reference     text PRIMARY KEY,
  org_id        text NOT NULL,
  external_ref  text NOT NULL,
  channel       text NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  body          jsonb NOT NULL,
  UNIQUE (org_id, external_ref)           -- I9: a repeat returns the first receipt
);

-- routing: where each complaint is, its deadlines, and its history.
CREATE TABLE routing.complaint (
  reference        text PRIMARY KEY,
  org_id           text NOT NULL,
  received_at      timestamptz NOT NULL,
  state            text NOT NULL,
  stage            integer NOT NULL,       -- order of `state`; it only moves forward
  ack_due          date NOT NULL,
  response_due     date NOT NULL,
  acknowledged_at  timestamptz,
  response_sent_at timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE routing.history (
  id        bigserial PRIMARY KEY,
  reference text NOT NULL REFERENCES routing.complaint (reference),
  at        timestamptz NOT NULL DEFAULT now(),
  event     text NOT NULL,
  producer  text NOT NULL,
  detail    text NOT NULL DEFAULT '',
  event_id  uuid
);
CREATE INDEX history_by_ref ON routing.history (reference, id);

-- investigation: one case per complaint.
CREATE TABLE investigation.case (
  case_id         uuid PRIMARY KEY,
  reference       text NOT NULL UNIQUE,
  org_id          text NOT NULL,
  state           text NOT NULL CHECK (state IN ('open', 'completed')),
  description     text NOT NULL,
  desired_outcome text NOT NULL DEFAULT '',
  opened_at       timestamptz NOT NULL DEFAULT now(),
  outcome         text,
  findings        text,
  recorded_by     text,
  completed_at    timestamptz
);

-- signoff: the draft response awaiting its signature.
CREATE TABLE signoff.draft (
  reference      text PRIMARY KEY,
  case_id        uuid NOT NULL,
  outcome        text NOT NULL,
  findings       text NOT NULL,
  state          text NOT NULL CHECK (state IN ('awaiting-signature', 'approved')),
  received_at    timestamptz NOT NULL DEFAULT now(),
  signed_by      text,
  signatory_role text,
  signed_at      timestamptz
);

-- notify: who to write to, and every letter (one of each kind per complaint).
CREATE TABLE notify.recipient (
  reference text PRIMARY KEY,
  org_id    text NOT NULL,
  person    jsonb NOT NULL
);
CREATE TABLE notify.letter (
  letter_id    uuid PRIMARY KEY,
  reference    text NOT NULL,
  kind         text NOT NULL,
  channel      text NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  spool_path   text,
  UNIQUE (reference, kind)
);
CREATE INDEX letter_undelivered ON notify.letter (created_at) WHERE delivered_at IS NULL;
