-- 0015: a withdrawn complaint gets no more letters, only the confirmation
-- of its withdrawal (N1).
--
-- notify records the withdrawal on the recipient: when it came, and the
-- reason as the complainant gave it. A letter that will not go because of it
-- is still kept, with its text, as not sent: not_sent says why
-- ('cancelled-withdrawn'), not_sent_at when. That covers letters waiting for
-- delivery when the withdrawal came and letters asked for after it. A letter
-- is waiting while delivered_at and not_sent are both NULL; it is never both
-- delivered and not sent (one already on its way to the spool when the
-- withdrawal came is recorded as delivered, because it was). Both tables
-- keep their audit triggers (0012), which record the new columns too.

ALTER TABLE notify.recipient
  ADD COLUMN withdrawn_at      timestamptz,
  ADD COLUMN withdrawal_reason text;

ALTER TABLE notify.letter
  ADD COLUMN not_sent    text CHECK (not_sent IN ('cancelled-withdrawn')),
  ADD COLUMN not_sent_at timestamptz,
  ADD CONSTRAINT letter_not_sent_has_its_time CHECK ((not_sent IS NULL) = (not_sent_at IS NULL)),
  ADD CONSTRAINT letter_delivered_or_not_sent CHECK (delivered_at IS NULL OR not_sent IS NULL);

-- The delivery round's query: letters still to go.
DROP INDEX notify.letter_undelivered;
CREATE INDEX letter_undelivered ON notify.letter (created_at)
  WHERE delivered_at IS NULL AND not_sent IS NULL;
