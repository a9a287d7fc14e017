-- 0042_repeat_queue_order.sql - intake's repeat check takes its queue
-- (0039) a page at a time, oldest first: this index gives it the page
-- without reading the whole queue, which grows to thousands behind a burst
-- of submissions (issue 18: 18 ms a page in the benchmark, most of it
-- reading and sorting the queue).
CREATE INDEX IF NOT EXISTS repeat_queue_order ON intake.repeat_queue (queued_at, reference);
