-- 0032_benchmark_returns.sql - benchmarking returns (issue 15, L3): a body
-- that does not use Candour sends its complaint figures for a period over
-- the bus (intake's SubmitBenchmarkReturn, event benchmark.returned), and
-- reporting keeps them here (services/reporting/benchmark_returns.c) so a
-- commissioner can compare all its providers.
--
-- One row a body and period: a second return for the same period replaces
-- the first when its event is not older (occurred_us, the event's
-- occurred_at in microseconds), whatever order the two arrive in. Counts,
-- a median, dates and a code: who sent it (a job title) is not kept.
CREATE TABLE reporting.benchmark_return (
  org_id                  reporting.code NOT NULL,
  period_from             date NOT NULL,
  period_to               date NOT NULL CHECK (period_to >= period_from),
  received                integer NOT NULL CHECK (received >= 0),
  acknowledged_in_3_days  integer NOT NULL CHECK (acknowledged_in_3_days BETWEEN 0 AND received),
  closed                  integer NOT NULL CHECK (closed >= 0),
  responded_in_time       integer NOT NULL CHECK (responded_in_time BETWEEN 0 AND closed),
  extended                integer NOT NULL CHECK (extended BETWEEN 0 AND closed),
  upheld                  integer NOT NULL CHECK (upheld >= 0),
  partially_upheld        integer NOT NULL CHECK (partially_upheld >= 0
                                                  AND upheld + partially_upheld <= closed),
  ombudsman_referred      integer NOT NULL CHECK (ombudsman_referred BETWEEN 0 AND closed),
  ombudsman_upheld        integer NOT NULL CHECK (ombudsman_upheld BETWEEN 0 AND ombudsman_referred),
  -- working days from receipt to response over those closed; NULL when none closed
  median_days_to_response double precision CHECK (median_days_to_response >= 0),
  submitted_on            date NOT NULL,        -- the Europe/London day intake took it
  occurred_us             bigint NOT NULL,      -- its event's occurred_at: the latest wins
  PRIMARY KEY (org_id, period_from, period_to),
  CHECK ((closed = 0) = (median_days_to_response IS NULL))
);
