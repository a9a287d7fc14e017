-- 0038_reporting_categories.sql - the KO41a category lists as the reports
-- read them: from investigation.category, the one list `candourctl
-- categories import` loads and key issues are filed under (0017), not from a
-- file of reporting's own that could say something else (or be missing in
-- a container). Reporting has no grant on investigation's schema; as with
-- reporting.staff_roles (0031), one SECURITY DEFINER function gives only
-- what the reports need: each list's codes and names in force on some day
-- of a period (from its effective_from, to before its effective_to).
CREATE OR REPLACE FUNCTION reporting.categories(p_from date, p_to date)
RETURNS TABLE (list text, code text, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT c.list, c.code, c.name FROM investigation.category c
   WHERE c.effective_from <= p_to AND (c.effective_to IS NULL OR c.effective_to > p_from)
   ORDER BY c.list, c.code
$fn$;
REVOKE ALL ON FUNCTION reporting.categories(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reporting.categories(date, date) TO candour_reporting;
