-- 0011: a claim that stays cheap when a subscriber falls behind.
--
-- The dispatcher's claim takes a subscriber's due deliveries in seq order and,
-- for each, checks that no earlier delivery of the same complaint to the same
-- subscriber is still unacknowledged. With outbox_delivery_event on
-- (subscriber, event_id) the planner, short of column statistics on a table
-- that had just grown, used that index for the check too: every check scanned
-- all of the subscriber's pending rows, so a claim cost O(backlog^2) (170 ms
-- for a backlog of 1,000, seen in the benchmark). Now:
--   - outbox_delivery_pending (subscriber, seq) gives the claim its rows in
--     order, so it stops at its LIMIT; outbox_delivery_order is rebuilt with
--     "complaint_ref <> ''" in its predicate, which the claim's outer query
--     does not imply, so the claim cannot pick it (and sort every pending row);
--   - the ordering check (which says complaint_ref <> '') can only use
--     outbox_delivery_order (subscriber, complaint_ref, seq): one index probe;
--   - ACK finds its rows through outbox.event_id (unique) and the primary key,
--     and does not say "delivered_at IS NULL", so no partial index (whose
--     size the planner cannot know before the table is analysed) can be
--     chosen for it; outbox_delivery_event and outbox_delivery_due go (two
--     fewer indexes to write on every insert and update).
-- Statistics are kept fresher on these tables, whose contents turn over fast.

DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    EXECUTE format('CREATE INDEX IF NOT EXISTS outbox_delivery_pending ON %I.outbox_delivery'
                   ' (subscriber, seq) WHERE delivered_at IS NULL AND dead_at IS NULL', s);
    EXECUTE format('DROP INDEX IF EXISTS %I.outbox_delivery_order', s);
    EXECUTE format('CREATE INDEX outbox_delivery_order ON %I.outbox_delivery'
                   ' (subscriber, complaint_ref, seq) WHERE delivered_at IS NULL AND complaint_ref <> %L',
                   s, '');
    EXECUTE format('DROP INDEX IF EXISTS %I.outbox_delivery_event', s);
    EXECUTE format('DROP INDEX IF EXISTS %I.outbox_delivery_due', s);
    EXECUTE format('ALTER TABLE %I.outbox_delivery SET (autovacuum_vacuum_scale_factor = 0.05,'
                   ' autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 500)', s);
  END LOOP;
END $$;
