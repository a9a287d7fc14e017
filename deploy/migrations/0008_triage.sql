-- 0008: triage. What routing needs to decide who handles a complaint (its
-- exclusion, an eligibility appeal, the patient's consent and whom it covers),
-- what it decided (outcome, reason, lead body, partners), and each body's
-- policy where the rules leave it a choice (R2: handle, or pass to the provider).
ALTER TABLE routing.complaint
  ADD COLUMN exclusion text NOT NULL DEFAULT 'EXCLUSION_NONE',
  ADD COLUMN chc_appeal boolean NOT NULL DEFAULT false,
  ADD COLUMN consent_given boolean NOT NULL DEFAULT false,
  ADD COLUMN consent_all boolean NOT NULL DEFAULT false,     -- a consent with no bodies listed covers every body
  ADD COLUMN consent_share text[] NOT NULL DEFAULT '{}',      -- else the bodies the consents cover
  ADD COLUMN triage_outcome text,
  ADD COLUMN triage_reason text,
  ADD COLUMN lead_org text,
  ADD COLUMN partners text[] NOT NULL DEFAULT '{}';

CREATE TABLE routing.org_policy (
  org_id           text PRIMARY KEY,
  pass_to_provider boolean NOT NULL DEFAULT false   -- R2: the default is to handle it here
);
