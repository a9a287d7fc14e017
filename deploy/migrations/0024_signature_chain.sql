-- 0024_signature_chain.sql - the signature chain (F2): who signs a body's
-- responses and in which order, delegations recorded, every signature bound
-- to the SHA-256 of the version it signed, and the covering letter the last
-- step may add.

-- A body's chain; none: Candour's one step (a signatory or the responsible
-- person of the body, or a signatory authorised to sign for it).
CREATE TABLE signoff.chain_step (
  org_id     text NOT NULL,
  step       integer NOT NULL CHECK (step BETWEEN 1 AND 5),
  signer_org text NOT NULL CHECK (signer_org ~ '^[A-Za-z0-9._-]{1,64}$'),
  roles      text[] NOT NULL CHECK (cardinality(roles) > 0
                                    AND roles <@ ARRAY['signatory', 'responsible-person']),
  label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  covering   boolean NOT NULL DEFAULT false,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, step)
);

-- Who may sign for a body in a role they do not hold, from when until when
-- (both days included); revoked ones are kept.
CREATE TABLE signoff.delegation (
  id          bigserial PRIMARY KEY,
  org_id      text NOT NULL,
  staff_id    text NOT NULL,
  roles       text[] NOT NULL CHECK (cardinality(roles) > 0
                                     AND roles <@ ARRAY['signatory', 'responsible-person']),
  valid_from  date NOT NULL,
  valid_until date NOT NULL CHECK (valid_until >= valid_from),
  reason      text NOT NULL DEFAULT '',
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  revoked_by  text,
  revoke_reason text,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL) AND (revoked_at IS NULL) = (revoke_reason IS NULL))
);
CREATE INDEX delegation_by_org ON signoff.delegation (org_id) WHERE revoked_at IS NULL;

-- Every signature, on one version; a new version, or the draft returned,
-- voids them (kept, with why).
CREATE TABLE signoff.signature (
  reference   text NOT NULL,
  version     integer NOT NULL,
  sha256      text NOT NULL,
  step        integer NOT NULL,
  staff_id    text NOT NULL,
  name        text NOT NULL,
  job_title   text NOT NULL DEFAULT '',
  as_delegate boolean NOT NULL DEFAULT false,
  signed_over jsonb NOT NULL DEFAULT '[]',  -- the advice signed over (GateFinding, pbjson)
  signed_at   timestamptz NOT NULL DEFAULT now(),
  void_at     timestamptz,
  void_reason text,
  PRIMARY KEY (reference, version, step)
);

-- The covering letter a body's last signatory sends with the response.
CREATE TABLE signoff.covering_letter (
  org_id     text PRIMARY KEY,
  text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);

SELECT candour_admin.create_audit('signoff',
  ARRAY['draft', 'staff', 'org', 'gate_rule', 'gate_limit', 'glossary', 'draft_return',
        'chain_step', 'delegation', 'signature', 'covering_letter']);
