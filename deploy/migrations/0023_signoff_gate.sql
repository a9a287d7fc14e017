-- 0023_signoff_gate.sql - sign-off's quality gate (issue "Sign-off", F1,
-- F3): what it reads of the case beside the draft, the body's choices, the
-- glossary of terms complainants are told the meaning of, and who signed
-- over the gate's advice.

-- The case as investigation.completed summed it up (CaseSummary, pbjson):
-- the key issues and their verdicts, whether failings, actions and a remedy
-- were recorded, names not to disclose, how the complainant is addressed.
ALTER TABLE signoff.draft
  ADD COLUMN summary     jsonb NOT NULL DEFAULT '{}',
  -- The advice the signatory saw and signed over (GateFinding, pbjson).
  ADD COLUMN signed_over jsonb NOT NULL DEFAULT '[]';

-- A body's severity for a check, where it differs from Candour's default.
CREATE TABLE signoff.gate_rule (
  org_id     text NOT NULL,
  check_name text NOT NULL CHECK (check_name ~ '^[a-z-]{1,24}$'),
  severity   text NOT NULL CHECK (severity IN ('blocking', 'advice')),
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text NOT NULL,
  PRIMARY KEY (org_id, check_name)
);

-- A body's thresholds; 0 = Candour's (reading ease 50, 35 words).
CREATE TABLE signoff.gate_limit (
  org_id             text PRIMARY KEY,
  min_flesch         integer NOT NULL DEFAULT 0 CHECK (min_flesch BETWEEN 0 AND 100),
  max_sentence_words integer NOT NULL DEFAULT 0 CHECK (max_sentence_words BETWEEN 0 AND 200),
  changed_at         timestamptz NOT NULL DEFAULT now(),
  changed_by         text NOT NULL
);

-- Terms explained on first use: org_id '' is Candour's default list
-- (deploy/glossary/default.csv, `candourctl glossary import`); a body's own
-- terms are added to it, and its meaning of a term wins.
CREATE TABLE signoff.glossary (
  org_id  text NOT NULL DEFAULT '',
  term    text NOT NULL CHECK (length(term) BETWEEN 1 AND 40),
  meaning text NOT NULL CHECK (length(meaning) BETWEEN 1 AND 200),
  PRIMARY KEY (org_id, term)
);

-- F2: a signatory may send the draft back to the investigator with reasons;
-- it waits, returned, for the next version. Every return is kept, and the
-- reasons are kept with the version in investigation's record too.
ALTER TABLE signoff.draft DROP CONSTRAINT draft_state_check;
ALTER TABLE signoff.draft
  ADD CONSTRAINT draft_state_check
    CHECK (state IN ('awaiting-signature', 'approved', 'withdrawn', 'returned'));
CREATE TABLE signoff.draft_return (
  reference   text NOT NULL,
  version     integer NOT NULL,
  sha256      text NOT NULL,
  reasons     text NOT NULL CHECK (length(reasons) BETWEEN 1 AND 4000),
  returned_by text NOT NULL,
  returned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, version)
);
ALTER TABLE investigation.draft
  ADD COLUMN returned_reasons text NOT NULL DEFAULT '',
  ADD COLUMN returned_by      text NOT NULL DEFAULT '';

SELECT candour_admin.create_audit('signoff',
  ARRAY['draft', 'staff', 'org', 'gate_rule', 'gate_limit', 'glossary', 'draft_return']);
