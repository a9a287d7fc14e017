#!/usr/bin/env bash
# tests/bench/reporting_lag.sh - what tests/bench/run.sh measures of the
# reporting consumer, sourced by it once the suite is running (it uses
# run.sh's sql and metric): reporting's lag, and a digest of its schema.
#
# Lag: the events delivered to subscriber 'reporting' (in every producer's
# outbox_delivery) that it has not yet acknowledged, and the age of the
# oldest of them (its outbox occurred_at; the lowest seq pending in each
# outbox, found through outbox_delivery_pending). The database's clock,
# which also stamps notify.letter.delivered_at (the end-to-end figure's).

LAG_SQL="SELECT extract(epoch FROM clock_timestamp()), coalesce(sum(n), 0),
  coalesce(extract(epoch FROM clock_timestamp() - min(oldest)), 0), coalesce(sum(dead), 0) FROM ("
lag_first=1
for s in $(sql "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox_delivery'
  AND table_schema <> 'reporting' ORDER BY 1"); do
  ((lag_first)) || LAG_SQL+=" UNION ALL "
  lag_first=0
  LAG_SQL+="SELECT (SELECT count(*) FROM $s.outbox_delivery WHERE subscriber = 'reporting'
      AND delivered_at IS NULL AND dead_at IS NULL) AS n,
    (SELECT o.occurred_at FROM $s.outbox o WHERE o.seq = (SELECT min(seq) FROM $s.outbox_delivery
      WHERE subscriber = 'reporting' AND delivered_at IS NULL AND dead_at IS NULL)) AS oldest,
    (SELECT count(*) FROM $s.outbox_delivery WHERE subscriber = 'reporting'
      AND delivered_at IS NULL AND dead_at IS NOT NULL) AS dead"
done
LAG_SQL+=") x"
lag_now() { sql "$LAG_SQL" | tr '|' ' '; } # -> "epoch backlog oldest_age_s dead"
# Every second until stopped: "epoch backlog oldest_age_s dead applied"
# (applied: reporting's candour_inbox_applied_total) to file $1. A sample
# costs PostgreSQL a few ms, tens with a backlog of 20,000.
lag_sampler() {
  local line
  while :; do
    line=$(lag_now 2>/dev/null) && echo "$line $(metric reporting candour_inbox_applied_total)" >>"$1"
    sleep 1
  done
}
# Wait (at most $1 s) until reporting has nothing pending; prints the
# database's time it had, or nothing if it did not catch up in time.
lag_wait() {
  local until=$((SECONDS + $1)) t n rest
  while ((SECONDS <= until)); do
    read -r t n rest <<<"$(lag_now)"
    [[ $n == 0 ]] && { echo "$t"; return 0; }
    sleep 0.5
  done
}

# A digest of every table of the reporting schema but its outbox's, and of
# the inbox's records but for when each was made: what a rebuild must leave.
rep_digest() {
  local t from d=""
  sql "SELECT reporting.monthly_flush()" >/dev/null # the SPC counts as a read sees them
  for t in $(sql "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting'
    AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'outbox%' ORDER BY 1"); do
    from=reporting.$t
    [[ $t == inbox ]] && from="(SELECT event_id, type, producer, complaint_ref FROM reporting.inbox)"
    d+="$t:$(sql "SELECT count(*) || '/' || coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '')
      FROM $from t") "
  done
  echo "$d"
}
