-- 0003: dead letters are operable: a discarded delivery is marked as such
-- (not confused with a delivered one), and every replay or discard is logged
-- with who did it and why.

DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    EXECUTE format('ALTER TABLE %I.outbox_delivery ADD COLUMN IF NOT EXISTS discarded_at timestamptz', s);
    EXECUTE format('CREATE INDEX IF NOT EXISTS outbox_delivery_dead ON %I.outbox_delivery (dead_at)'
                   ' WHERE dead_at IS NOT NULL AND delivered_at IS NULL', s);
  END LOOP;
END $$;

CREATE TABLE IF NOT EXISTS candour_admin.dead_letter_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  service    text NOT NULL,           -- the producing service (its schema)
  event_id   uuid NOT NULL,
  subscriber text NOT NULL,
  action     text NOT NULL CHECK (action IN ('replay', 'discard')),
  reason     text NOT NULL CHECK (length(reason) > 0),
  actor      text NOT NULL            -- who ran candourctl (OS user) and as which role
);
