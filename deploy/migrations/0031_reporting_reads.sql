-- 0031_reporting_reads.sql - what reporting reads to answer GetReport
-- (issue 15, item 2): who is asking, and the targets bodies are held to.
--
-- Who is asking. Reporting keeps no copy of the staff directory: a copy
-- (candour_admin.create_directory_copy) would put people's names, emails and
-- phone numbers in a schema that holds nothing personal (L5; 0030's header,
-- and test_reporting checks it). Instead, as the gateway does (0029), one
-- SECURITY DEFINER function reads routing's directory afresh per request and
-- gives only what the check needs: the body, the roles, whether disabled.
-- Its columns are cd_actor_sql's (common/src/directory.c), with the name,
-- team and job title empty, so cd_actor_from_row reads it as it is.
CREATE OR REPLACE FUNCTION reporting.staff_roles(p_staff_id text)
RETURNS TABLE (staff_id text, org_id text, name text, team text, roles text,
               disabled boolean, signs_for text, job_title text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT s.staff_id, s.org_id, '', '', array_to_json(s.roles)::text, s.disabled, '[]', ''
    FROM routing.staff s WHERE s.staff_id = p_staff_id
$fn$;
REVOKE ALL ON FUNCTION reporting.staff_roles(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reporting.staff_roles(text) TO candour_reporting;

-- Benchmarking targets (L3), set as data by ops (`candourctl targets set`):
-- one row an indicator (services/reporting/benchmark.h's names), its value
-- (a proportion 0..1, or working days for the median) and which way is
-- better. The benchmark report reads them; nothing else does.
CREATE TABLE reporting.target (
  indicator text PRIMARY KEY CHECK (indicator IN ('acknowledged_in_3_days', 'responded_in_time',
            'median_days_to_response', 'extended', 'upheld', 'ombudsman_referred',
            'ombudsman_upheld')),
  value     double precision NOT NULL CHECK (value >= 0 AND (value <= 1
            OR indicator = 'median_days_to_response')),
  direction text NOT NULL CHECK (direction IN ('higher', 'lower')),
  set_by    text NOT NULL,
  set_at    timestamptz NOT NULL DEFAULT now()
);

