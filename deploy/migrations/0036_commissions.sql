-- 0036_commissions.sql - who commissions whom (issue 15, L3): a
-- commissioner (an integrated care board, say) compares all the providers
-- it commissions, those that use Candour by Candour's own figures and those
-- that do not by the benchmarking returns they send (0032).
--
-- Set as data by ops (`candourctl commissions add|list|remove`), read by the
-- benchmark report (services/reporting/reports_sql.c): the bodies a
-- commissioner's report compares are its own, its partners' on complaints it
-- handled, and the providers listed here. Codes and dates only.
CREATE TABLE reporting.commission (
  commissioner reporting.code NOT NULL,
  provider     reporting.code NOT NULL CHECK (provider <> commissioner),
  added_by     text NOT NULL,
  added_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (commissioner, provider)
);
