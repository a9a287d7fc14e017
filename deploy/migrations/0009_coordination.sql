-- 0009: coordination over the bus (R3). Partners collect their requests at
-- intake and send their contributions there; routing keeps each partner's
-- answer and hands them, merged, to investigation.
CREATE TABLE intake.partner_message (
  seq         bigserial PRIMARY KEY,
  org_id      text NOT NULL,          -- the partner it is addressed to
  reference   text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('contribution-request', 'contribution-chase')),
  lead_org    text NOT NULL,
  due         date NOT NULL,
  body        jsonb NOT NULL,         -- description and services (consent covers this partner)
  at          timestamptz NOT NULL DEFAULT now(),
  event_id    uuid NOT NULL UNIQUE
);
CREATE INDEX partner_message_by_org ON intake.partner_message (org_id, seq);

CREATE TABLE intake.contribution (
  reference    text NOT NULL,
  org_id       text NOT NULL,
  findings     text NOT NULL,
  submitted_by text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, org_id)     -- one contribution per partner: a repeat changes nothing
);

CREATE TABLE routing.contribution (
  reference   text NOT NULL REFERENCES routing.complaint (reference),
  org_id      text NOT NULL,
  findings    text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (reference, org_id)
);
ALTER TABLE routing.complaint ADD COLUMN merged_at timestamptz;

CREATE TABLE investigation.contribution (
  reference   text NOT NULL,
  org_id      text NOT NULL,
  findings    text NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (reference, org_id)
);
