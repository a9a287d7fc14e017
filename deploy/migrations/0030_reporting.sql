-- 0030_reporting.sql - the reporting service's schema (issue 15): what every
-- service's events say of a complaint, kept de-identified for the reports
-- (L1-L5): codes, dates, counts and references, never a name, an address or
-- a person's words (L5). Written only by candour-reporting's consumer
-- (services/reporting/apply.c) and by `candourctl reporting rebuild`, which
-- replays the producers' outboxes through the same functions.
--
-- Every text column is a reporting.code: a code's shape (letters, digits,
-- . _ / -, at most 64), so a name, an address or a sentence cannot be
-- stored here even by mistake. Columns ending _us are the occurred_at
-- (microseconds) of the event that set a group of columns: events from
-- different producers may arrive in any order, and the latest (or earliest)
-- of a group wins whatever the order (apply.h).

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'candour_reporting') THEN
    CREATE ROLE candour_reporting LOGIN;
  END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS reporting;
REVOKE ALL ON SCHEMA reporting FROM PUBLIC;

-- The bus tables as every service has them (0001, with 0003's and 0011's
-- changes): reporting produces no events, but its inbox dedupes the ones it
-- takes, and the service runtime runs an outbox for every service.
SELECT candour_admin.create_bus_tables('reporting');
ALTER TABLE reporting.outbox_delivery ADD COLUMN IF NOT EXISTS discarded_at timestamptz;
CREATE INDEX IF NOT EXISTS outbox_delivery_dead ON reporting.outbox_delivery (dead_at)
  WHERE dead_at IS NOT NULL AND delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_delivery_pending ON reporting.outbox_delivery (subscriber, seq)
  WHERE delivered_at IS NULL AND dead_at IS NULL;
DROP INDEX IF EXISTS reporting.outbox_delivery_order;
CREATE INDEX outbox_delivery_order ON reporting.outbox_delivery (subscriber, complaint_ref, seq)
  WHERE delivered_at IS NULL AND complaint_ref <> '';
DROP INDEX IF EXISTS reporting.outbox_delivery_event;
DROP INDEX IF EXISTS reporting.outbox_delivery_due;

CREATE DOMAIN reporting.code AS text CHECK (VALUE ~ '^[A-Za-z0-9._/-]{1,64}$');

-- One row a complaint (or compliment), by its reference.
CREATE TABLE reporting.complaint (
  reference          reporting.code PRIMARY KEY,
  -- the organisation: the body it was made to (complaint.received), the
  -- body that leads it (complaint.routed), where triage sent it (complaint.referred)
  made_to_org        reporting.code,
  lead_org           reporting.code,
  triage             reporting.code,   -- pass-to-provider, redirect-nhse, coordinate
  referred_to_org    reporting.code,
  -- what it is and who makes it (complaint.received, .amended): enum names
  kind               reporting.code,   -- complaint, compliment
  classification     reporting.code,   -- complaint, outside-regulations, compliment
  channel            reporting.code,   -- email, post, web, verbal, bus
  standing           reporting.code,   -- self, affected, patient-consent, lacks-capacity, child, deceased, unspecified
  age_band           reporting.code,   -- the patient's: unknown, under-18, 18-to-64, 65-and-over
  chc_appeal         boolean,
  -- dates (Europe/London days)
  received_on        date,
  ack_due            date,
  acknowledged_on    date,             -- the acknowledgement went (letter.sent)
  response_due_first date,             -- as first set when routed
  response_due       date,             -- as agreed now (after extensions, R5)
  extensions         integer NOT NULL DEFAULT 0,
  response_sent_on   date,             -- the final response went (letter.sent)
  approved_on        date,             -- signed off (response.approved)
  -- deadlines met (NULL while it has not happened or there is no deadline)
  ack_on_time        boolean GENERATED ALWAYS AS (acknowledged_on <= ack_due) STORED,
  response_on_time   boolean GENERATED ALWAYS AS (response_sent_on <= response_due) STORED,
  response_on_time_first boolean GENERATED ALWAYS AS (response_sent_on <= response_due_first) STORED,
  late_explained     boolean NOT NULL DEFAULT false,  -- response.late: told why and when
  -- outcome
  outcome            reporting.code,   -- upheld, partially-upheld, not-upheld, withdrawn
  outcome_on         date,
  drafts_returned    integer NOT NULL DEFAULT 0,      -- returned by a signatory (F2)
  status             reporting.code,   -- the lifecycle's state name, e.g. under-investigation
  withdrawn          boolean NOT NULL DEFAULT false,
  withdrawn_on       date,
  out_of_time        reporting.code,   -- accepted, declined (I3)
  out_of_time_on     date,
  -- the Ombudsman (L4): the referral, its latest stage and outcome
  ombudsman_referred_on date,
  ombudsman_ref      reporting.code,
  ombudsman_stage    reporting.code,
  ombudsman_outcome  reporting.code,
  ombudsman_stage_on date,
  -- stamps: which event's values a group holds (apply.h)
  profile_us         bigint,
  routed_us          bigint,
  due_us             bigint,
  status_us          bigint,
  outcome_us         bigint,
  referred_us        bigint,
  out_of_time_us     bigint,
  ombudsman_us       bigint
);
-- Counts by organisation and period (quarterly, annual, KO41, benchmarking):
-- by the body it was made to and by the lead, by the day received, and by
-- the day the response went (deadline performance over a period).
CREATE INDEX complaint_by_made_to ON reporting.complaint (made_to_org, received_on);
CREATE INDEX complaint_by_lead ON reporting.complaint (lead_org, received_on);
CREATE INDEX complaint_by_lead_sent ON reporting.complaint (lead_org, response_sent_on)
  WHERE response_sent_on IS NOT NULL;
CREATE INDEX complaint_by_received ON reporting.complaint (received_on);

-- One row an aspect (key issue) as the investigation agreed and found it
-- (investigation.completed): its KO41a codes and its verdict. A complaint
-- counts once in a total and once under each of its aspects' categories.
CREATE TABLE reporting.aspect (
  reference    reporting.code NOT NULL REFERENCES reporting.complaint (reference) ON DELETE CASCADE,
  issue_id     reporting.code NOT NULL,  -- KI1, KI2, ...
  subject      reporting.code,           -- KO41a codes (deploy/categories/ko41a.csv)
  service_area reporting.code,
  profession   reporting.code,
  verdict      reporting.code,           -- upheld, not-upheld, not-addressed
  completed_us bigint NOT NULL,
  PRIMARY KEY (reference, issue_id)
);
CREATE INDEX aspect_by_subject ON reporting.aspect (subject, reference);
CREATE INDEX aspect_by_service_area ON reporting.aspect (service_area, reference);
CREATE INDEX aspect_by_profession ON reporting.aspect (profession, reference);

-- The partners of a coordinated complaint (R3) and their part.
CREATE TABLE reporting.partner (
  reference reporting.code NOT NULL REFERENCES reporting.complaint (reference) ON DELETE CASCADE,
  org_id    reporting.code NOT NULL,
  part      reporting.code NOT NULL CHECK (part IN ('expected', 'contributed', 'waived')),
  PRIMARY KEY (reference, org_id)
);
CREATE INDEX partner_by_org ON reporting.partner (org_id);

-- The stages of the Ombudsman's consideration (ombudsman.referral), one row a stage.
CREATE TABLE reporting.ombudsman_stage (
  reference   reporting.code NOT NULL REFERENCES reporting.complaint (reference) ON DELETE CASCADE,
  stage       reporting.code NOT NULL,  -- referred, assessing, investigating, decided, not-investigated
  stage_on    date,
  outcome     reporting.code,           -- decided: upheld, partly-upheld, not-upheld
  recorded_us bigint NOT NULL,
  PRIMARY KEY (reference, stage)
);

-- The domain's type is the schema's: the service role may use it.
GRANT USAGE ON TYPE reporting.code TO candour_reporting;
