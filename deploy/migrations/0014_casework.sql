-- 0014: casework guards. Investigation and sign-off keep what they need to
-- refuse a step the complaint is not ready for, or no longer wants.
--
-- R3: a coordinated complaint is answered once, by the lead, after every
-- partner's part is in or the complaints manager has recorded that the
-- response goes without it. The case keeps the partners routing named when it
-- handed the complaint over; each contribution says whether it is a part or a
-- waiver (and why, and who said so), and in what order it came. The draft at
-- sign-off keeps the parts, so the approved response carries them to the
-- letter.
--
-- Withdrawal: a complaint the complainant withdrew is neither investigated nor
-- answered. Case and draft take the state 'withdrawn'. complaint.withdrawn
-- (from intake) may arrive before complaint.routed or investigation.completed
-- (from other producers): it then leaves a row in the state 'withdrawn' with
-- no case data, which the later event fills in without opening it again.
--
-- Grants and the audit triggers (0010, 0012) cover the new columns as they
-- are: no new table.

ALTER TABLE investigation."case"
  ADD COLUMN partners         text[] NOT NULL DEFAULT '{}',
  ADD COLUMN withdrawn_at     timestamptz,
  ADD COLUMN withdrawn_reason text;
ALTER TABLE investigation."case" DROP CONSTRAINT case_state_check;
ALTER TABLE investigation."case"
  ADD CONSTRAINT case_state_check CHECK (state IN ('open', 'completed', 'withdrawn'));

-- A waived part has no findings and may have no time of its own.
ALTER TABLE investigation.contribution
  ADD COLUMN seq         bigserial,
  ADD COLUMN waived      boolean NOT NULL DEFAULT false,
  ADD COLUMN reason      text NOT NULL DEFAULT '',
  ADD COLUMN recorded_by text NOT NULL DEFAULT '';
ALTER TABLE investigation.contribution ALTER COLUMN received_at DROP NOT NULL;
ALTER TABLE investigation.contribution
  ADD CONSTRAINT contribution_part_or_waiver CHECK (waived OR received_at IS NOT NULL);

-- A draft withdrawn before investigation.completed came has no outcome yet.
ALTER TABLE signoff.draft
  ADD COLUMN contributions    jsonb NOT NULL DEFAULT '[]',  -- Contribution messages (pbjson), in order
  ADD COLUMN withdrawn_at     timestamptz,
  ADD COLUMN withdrawn_reason text;
ALTER TABLE signoff.draft
  ALTER COLUMN case_id DROP NOT NULL,
  ALTER COLUMN outcome DROP NOT NULL,
  ALTER COLUMN findings DROP NOT NULL;
ALTER TABLE signoff.draft DROP CONSTRAINT draft_state_check;
ALTER TABLE signoff.draft
  ADD CONSTRAINT draft_state_check
    CHECK (state IN ('awaiting-signature', 'approved', 'withdrawn')),
  ADD CONSTRAINT draft_complete_unless_withdrawn
    CHECK (state = 'withdrawn' OR (case_id IS NOT NULL AND outcome IS NOT NULL AND findings IS NOT NULL));
