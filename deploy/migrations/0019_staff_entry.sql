-- 0019_staff_entry.sql - complaints made by post, by telephone or in person,
-- entered by the body's staff (I1; EnterComplaint on intake's internal
-- endpoint).
--
-- Intake now checks the person entering a complaint against its own copy of
-- the staff directory, kept from routing's staff.changed / org.changed as
-- investigation, signoff and notify keep theirs (0016), with the settings
-- columns 0018 added to the other copies.
--
-- A staff-entered complaint records who entered it (their staff id); one
-- that came over the bus has none. Its received_at is the day it was
-- actually received (London time), not the moment it was entered: the
-- audit trail's INSERT entry says when it was entered, and by whom.

SELECT candour_admin.create_directory_copy('intake');
ALTER TABLE intake.org
  ADD COLUMN plan_low      text NOT NULL DEFAULT '',
  ADD COLUMN plan_medium   text NOT NULL DEFAULT '',
  ADD COLUMN plan_high     text NOT NULL DEFAULT '',
  ADD COLUMN draft_opening text NOT NULL DEFAULT '',
  ADD COLUMN draft_closing text NOT NULL DEFAULT '';

-- Staff enter only what reaches them by post or by word of mouth (CHANNEL_POST,
-- CHANNEL_VERBAL); the other channels arrive by themselves.
ALTER TABLE intake.complaint
  ADD COLUMN entered_by text,
  ADD CONSTRAINT complaint_entered_channel
    CHECK (entered_by IS NULL OR channel IN ('CHANNEL_POST', 'CHANNEL_VERBAL'));

SELECT candour_admin.create_audit('intake',
  ARRAY['complaint', 'change', 'contribution', 'org_key', 'organisation', 'staff', 'org']);
