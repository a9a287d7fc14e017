-- 0041_fillfactor.sql - room on each page for the updates that follow an
-- insert (issue 18, "less written per complaint").
--
-- An update that changes no indexed column (nor a partial index's
-- predicate) can be HOT - the new row version on the same page, no index
-- touched - but only when the page has room for it. The benchmark's
-- writes_by_table.txt (--profile) showed the tables below filled to the
-- brim by their inserts, so most of their updates wrote a new version on
-- another page and an entry in every index:
--   * <schema>.outbox_delivery: each delivery is inserted, then claimed
--     (attempts, next attempt: HOT-able), then acknowledged (delivered_at,
--     which the partial indexes name: never HOT); 22-38 % of updates HOT;
--   * routing.complaint (18 %), intake.complaint (15 %) and
--     reporting.complaint (59 %): a complaint's row is updated a few times in
--     its first minutes, mostly in columns no index names.
-- (routing.deadline and notify.letter are left: their updates change a
-- partial index's predicate, which no free space makes HOT.)
-- Only pages filled from now on keep the room; VACUUM FULL or a restore
-- rewrites the older ones.

DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify', 'reporting'] LOOP
    EXECUTE format('ALTER TABLE %I.outbox_delivery SET (fillfactor = 60)', s);
  END LOOP;
END $$;

ALTER TABLE routing.complaint SET (fillfactor = 70);
ALTER TABLE intake.complaint SET (fillfactor = 70);
ALTER TABLE reporting.complaint SET (fillfactor = 70);
