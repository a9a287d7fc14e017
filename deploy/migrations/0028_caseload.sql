-- 0028_caseload.sql - the caseload (ListCases, services/routing/caseload.c):
-- the complaints a body is party to, filtered and paged newest first by a
-- keyset on (received_at, reference); and the investigator on the
-- complaint's row, from investigator.assigned (routing kept it only in the
-- history line until now).
--
-- A column on a table the audit trail covers already (0021's list): the
-- trigger records whole rows, so the investigator is in the entries from
-- here on and create_audit is not run again. The table's grants (0001) cover
-- a new column.

-- The staff id of the investigator assigned last (NULL: none yet). No CHECK
-- on its form: investigation's directory vouches for it, and a refusal here
-- would hold up the whole event (its state change with it).
ALTER TABLE routing.complaint ADD COLUMN investigator text;

-- The complaints already here: the latest assignment, from the history line
-- apply.c writes for it ("investigator ST12 assigned; impartiality checked
-- (V1)"). One whose line does not read so (none has) is left NULL.
UPDATE routing.complaint c SET investigator = h.staff_id
  FROM (SELECT DISTINCT ON (reference) reference,
               substring(detail FROM '^investigator ([A-Za-z0-9._-]{1,24}) assigned') AS staff_id
          FROM routing.history
         WHERE event = 'investigator.assigned'
         ORDER BY reference, id DESC) h
 WHERE h.reference = c.reference AND h.staff_id IS NOT NULL;

-- The scopes the caseload reads by, each in the page's order (newest
-- first, the reference breaking ties), so a page is an index range:
-- the body it was made to, the lead (NULL before triage: then org_id leads),
-- a partner (a GIN index: partners @> ARRAY[body] finds the rows, and the
-- order is then a sort of that body's share), and an investigator's own.
CREATE INDEX complaint_by_org_received ON routing.complaint (org_id, received_at DESC, reference DESC);
CREATE INDEX complaint_by_lead_received ON routing.complaint (lead_org, received_at DESC, reference DESC)
  WHERE lead_org IS NOT NULL;
CREATE INDEX complaint_by_partner ON routing.complaint USING gin (partners);
CREATE INDEX complaint_by_investigator ON routing.complaint (investigator, received_at DESC, reference DESC)
  WHERE investigator IS NOT NULL;
-- Overdue: the open deadlines of one complaint (deadline_open, 0007, is by
-- due date across all complaints, for the watcher).
CREATE INDEX deadline_open_by_ref ON routing.deadline (reference, due)
  WHERE met_at IS NULL AND closed_at IS NULL;
