-- 0005: the external API's operations at intake (amend, withdraw, consent,
-- summary agreement, status changes) and the holds routing keeps.

-- intake: what intake decided at receipt, where the complaint stands (as
-- routing reports it), and every change the organisation made after.
ALTER TABLE intake.complaint
  ADD COLUMN classification text NOT NULL DEFAULT 'CLASSIFICATION_COMPLAINT',
  ADD COLUMN holds text[] NOT NULL DEFAULT '{}',
  ADD COLUMN state text NOT NULL DEFAULT 'received',
  ADD COLUMN triaged boolean NOT NULL DEFAULT false,
  ADD COLUMN withdrawn_at timestamptz,
  ADD COLUMN version integer NOT NULL DEFAULT 1,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE intake.change (
  id         bigserial PRIMARY KEY,
  reference  text NOT NULL REFERENCES intake.complaint (reference),
  org_id     text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  action     text NOT NULL CHECK (action IN ('amend', 'withdraw', 'consent', 'summary')),
  body       jsonb NOT NULL
);
CREATE INDEX change_by_ref ON intake.change (reference, id);

-- Status changes for the submitting organisation, in the order they happened.
CREATE TABLE intake.status_change (
  seq       bigserial PRIMARY KEY,
  reference text NOT NULL REFERENCES intake.complaint (reference),
  org_id    text NOT NULL,
  state     text NOT NULL,
  detail    text NOT NULL DEFAULT '',
  at        timestamptz NOT NULL,
  event_id  uuid NOT NULL UNIQUE
);
CREATE INDEX status_change_by_org ON intake.status_change (org_id, seq);
CREATE INDEX status_change_by_ref ON intake.status_change (reference, seq);

-- routing: the complaint's content it hands on, what it waits for, whether it
-- has been routed, and a version for optimistic updates (several instances).
ALTER TABLE routing.complaint
  ADD COLUMN classification text NOT NULL DEFAULT 'CLASSIFICATION_COMPLAINT',
  ADD COLUMN holds text[] NOT NULL DEFAULT '{}',
  ADD COLUMN content jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN routed_at timestamptz,
  ADD COLUMN version integer NOT NULL DEFAULT 1;
