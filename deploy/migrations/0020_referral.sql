-- 0020_referral.sql - L4: a complaint's referral to the Parliamentary and
-- Health Service Ombudsman, recorded stage by stage by the complaints
-- manager (RecordReferral, services/investigation/referral.h).
--
-- One row per stage recorded, numbered from 1 per complaint; the primary key
-- is what makes two records made at once keep one order: the second to
-- commit with the same number inserts nothing, and its request is told the
-- referral changed meanwhile. Every row carries the referral's own day and
-- the Ombudsman's reference (the first row's: they never change), so each
-- row reads alone in the audit trail. A row is never changed: a new stage is
-- a new row.

CREATE TABLE investigation.referral (
  reference   text NOT NULL,
  seq         integer NOT NULL CHECK (seq >= 1),
  referred_on date NOT NULL,
  phso_ref    text NOT NULL CHECK (phso_ref <> '' AND octet_length(phso_ref) <= 40),
  stage       text NOT NULL CHECK (stage IN ('referred', 'assessing', 'investigating', 'decided',
                                             'not-investigated')),
  outcome     text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'upheld', 'partly-upheld',
                                                          'not-upheld')),
  stage_on    date NOT NULL CHECK (stage_on >= referred_on),
  note        text NOT NULL DEFAULT '',
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reference, seq),
  -- The first record is the referral; only a decision has an outcome.
  CHECK (seq > 1 OR stage = 'referred'),
  CHECK ((stage = 'decided') = (outcome <> ''))
);

-- Into investigation's audit trail (0012, 0016): the whole list, as 0018
-- left it, with the new table.
SELECT candour_admin.create_audit('investigation',
  ARRAY['case', 'contribution', 'staff', 'org', 'category', 'key_issue', 'evidence', 'finding',
        'action', 'draft', 'referral']);
