-- 0013_lifecycle.sql - a complaint's state is one of the lifecycle's
-- (proto/candour/v1/lifecycle.proto, common/src/lifecycle.c); the order of
-- states is the lifecycle table's, not a column: routing.complaint.stage goes.
-- NHS England's direct commissioning is the row's commissioner (data), never
-- the kind of service. A partner's part may be waived by the complaints
-- manager, with the reason (R3).

ALTER TABLE routing.complaint DROP COLUMN stage;

-- The states' names, once: every column that holds a complaint's state is
-- checked by this function (in public, usable by every role). The columns
-- stay text, so statements infer their parameters as before.
CREATE FUNCTION public.complaint_state_known(s text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT s IN (
    'received', 'awaiting-consent', 'awaiting-summary-agreement', 'out-of-time',
    'under-investigation', 'awaiting-sign-off', 'response-approved', 'response-sent',
    'withdrawn', 'compliment', 'outside-regulations', 'not-required', 'already-investigated',
    'appeal', 'passed-to-provider', 'redirected-to-nhse', 'coordinated-by-another-body',
    'declined-out-of-time')
$$;

ALTER TABLE routing.complaint
  ADD CONSTRAINT complaint_state_known CHECK (public.complaint_state_known(state));
ALTER TABLE intake.complaint
  ADD CONSTRAINT complaint_state_known CHECK (public.complaint_state_known(state));
ALTER TABLE intake.status_change
  ADD CONSTRAINT status_change_state_known CHECK (public.complaint_state_known(state));

-- Defect found from outside: a primary-care row commissioned by NHS England
-- (before 1 July 2023) was not NHS England's by "kind", and was coordinated.
ALTER TABLE routing.route DROP COLUMN nhse_direct;
ALTER TABLE routing.route ADD COLUMN nhse_direct boolean
  GENERATED ALWAYS AS (commissioner = 'NHSE') STORED;

ALTER TABLE routing.contribution
  ADD COLUMN waived boolean NOT NULL DEFAULT false,
  ADD COLUMN reason text,
  ADD COLUMN recorded_by text;

-- route_on returns the table's rows: define it again over the new column.
CREATE OR REPLACE FUNCTION routing.route_on(d date) RETURNS SETOF routing.route
LANGUAGE sql STABLE AS $$
  SELECT * FROM routing.route
   WHERE daterange(effective_from, effective_to, '[)') @> d
$$;
