-- 0018_case_record.sql - the record of an investigation (issue "Casework"):
-- the plan (V2), the key issues agreed with the complainant (V3), the
-- evidence with its attachments (V4), the findings per key issue and the
-- conclusions (V3, V5), and every version of the draft response, each with
-- its SHA-256, so that sign-off signs one version (F1-F3).
--
-- Everything is investigation's, keyed by the complaint's reference; the
-- audit trail covers every table (who: the person acting, 0016).

ALTER TABLE investigation."case"
  ADD COLUMN grading           text CHECK (grading IN ('low', 'medium', 'high')),
  ADD COLUMN plan_steps        text[] NOT NULL DEFAULT '{}',
  ADD COLUMN plan_reason       text NOT NULL DEFAULT '',
  ADD COLUMN issues_agreed_on  date,
  ADD COLUMN issues_agreed_how text CHECK (issues_agreed_how IN
                                 ('in-writing', 'by-telephone', 'in-a-meeting', 'by-email')),
  ADD COLUMN failings          text[] NOT NULL DEFAULT '{}',
  ADD COLUMN lessons           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN apology           text NOT NULL DEFAULT '',
  ADD COLUMN redress_pence     bigint NOT NULL DEFAULT 0 CHECK (redress_pence >= 0),
  ADD COLUMN redress_for       text NOT NULL DEFAULT '',
  ADD COLUMN service_change    text NOT NULL DEFAULT '',
  ADD COLUMN findings_at       timestamptz;

-- A body's plan template per grading (V2: steps as a comma-separated list,
-- '' = Candour's) and its own opening and closing paragraphs for the draft
-- response ('' = Candour's): its settings (routing.org_policy, OrgSettings),
-- copied like the rest by org.changed.
ALTER TABLE routing.org_policy
  ADD COLUMN plan_low      text NOT NULL DEFAULT '',
  ADD COLUMN plan_medium   text NOT NULL DEFAULT '',
  ADD COLUMN plan_high     text NOT NULL DEFAULT '',
  ADD COLUMN draft_opening text NOT NULL DEFAULT '',
  ADD COLUMN draft_closing text NOT NULL DEFAULT '';
DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['investigation', 'signoff', 'notify'] LOOP
    EXECUTE format($f$ALTER TABLE %I.org
      ADD COLUMN plan_low      text NOT NULL DEFAULT '',
      ADD COLUMN plan_medium   text NOT NULL DEFAULT '',
      ADD COLUMN plan_high     text NOT NULL DEFAULT '',
      ADD COLUMN draft_opening text NOT NULL DEFAULT '',
      ADD COLUMN draft_closing text NOT NULL DEFAULT ''$f$, s);
  END LOOP;
END
$$;

CREATE TABLE investigation.key_issue (
  reference    text NOT NULL,
  issue_id     text NOT NULL CHECK (issue_id ~ '^KI[0-9]{1,3}$'),
  position     integer NOT NULL CHECK (position BETWEEN 1 AND 30),
  summary      text NOT NULL,
  subject      text NOT NULL,
  service_area text NOT NULL,
  profession   text NOT NULL,
  PRIMARY KEY (reference, issue_id),
  UNIQUE (reference, position)
);

-- An attachment's bytes, by their SHA-256 (content-addressed: the same file
-- twice is kept once). Not in the audit trail: the evidence row that names
-- it is, with the hash, and the CHECK holds every stored file to its hash,
-- so the trail still says exactly which bytes were recorded without copying
-- them (and the personal data in them) into it.
CREATE TABLE investigation.attachment (
  sha256  text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea NOT NULL,
  size    bigint NOT NULL,
  CHECK (octet_length(content) = size AND encode(sha256(content), 'hex') = sha256)
);
ALTER TABLE investigation.attachment ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE investigation.evidence (
  reference      text NOT NULL,
  number         integer NOT NULL CHECK (number >= 1),
  kind           text NOT NULL CHECK (kind IN ('complainant-account', 'staff-account', 'records',
                                               'policy-or-guidance', 'independent-advice', 'other')),
  source         text NOT NULL,
  evidence_date  date NOT NULL,
  summary        text NOT NULL,
  flag           text NOT NULL DEFAULT '' CHECK (flag IN ('', 'discrepancy', 'gap')),
  flag_note      text NOT NULL DEFAULT '',
  filename       text,
  media_type     text,
  sha256         text REFERENCES investigation.attachment (sha256),
  size           bigint,
  recorded_by    text NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, number),
  CHECK ((sha256 IS NULL) = (filename IS NULL) AND (sha256 IS NULL) = (size IS NULL))
);

CREATE TABLE investigation.finding (
  reference                 text NOT NULL,
  issue_id                  text NOT NULL,
  verdict                   text NOT NULL CHECK (verdict IN ('upheld', 'not-upheld', 'not-addressed')),
  what_happened             text NOT NULL DEFAULT '',
  what_should_have_happened text NOT NULL DEFAULT '',
  not_addressed_reason      text NOT NULL DEFAULT '',
  PRIMARY KEY (reference, issue_id),
  FOREIGN KEY (reference, issue_id) REFERENCES investigation.key_issue (reference, issue_id)
);

CREATE TABLE investigation.action (
  reference   text NOT NULL,
  number      integer NOT NULL CHECK (number >= 1),
  description text NOT NULL,
  owner       text NOT NULL,
  due         date NOT NULL,
  done        boolean NOT NULL DEFAULT false,
  done_on     date,
  PRIMARY KEY (reference, number),
  CHECK (done = (done_on IS NOT NULL))
);

-- Every version of the draft response; the latest is the one that goes to
-- sign-off. A version is never changed: an edit is a new version.
CREATE TABLE investigation.draft (
  reference text NOT NULL,
  version   integer NOT NULL CHECK (version >= 1),
  text      text NOT NULL,
  sha256    text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  assembled boolean NOT NULL,
  made_by   text NOT NULL,
  made_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, version),
  CHECK (encode(sha256(convert_to(text, 'UTF8')), 'hex') = sha256)
);

-- The draft sign-off holds, and the version signed.
ALTER TABLE signoff.draft
  ADD COLUMN draft_version integer,
  ADD COLUMN draft_sha256  text,
  ADD COLUMN draft_text    text;

SELECT candour_admin.create_audit('investigation',
  ARRAY['case', 'contribution', 'staff', 'org', 'category', 'key_issue', 'evidence', 'finding',
        'action', 'draft']);
