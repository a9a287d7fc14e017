-- 0017: the KO41a category lists, as data (DOMAIN.md V5, L2a). Each key
-- issue of a complaint is filed under a subject area, a service area and a
-- profession (staff group) from NHS Digital's KO41a definitions, so that the
-- national return counts it. NHS Digital changes the lists, so they are rows
-- with effective dates, never code: ops load deploy/categories/ko41a.csv with
-- `candourctl categories import`, which checks every row first (the same rule
-- as common/src/categories.c: change both together) and then inserts new
-- codes and updates changed ones in one transaction. A code is never deleted
-- or reused: one NHS Digital retires gets an effective_to, and complaints
-- filed under it still read.

CREATE TABLE investigation.category (
  list           text NOT NULL CHECK (list IN ('subject', 'service-area', 'profession')),
  -- lower-case words joined by single hyphens, e.g. clinical-treatment
  code           text NOT NULL CHECK (length(code) <= 64 AND code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  -- one line of text a person reads, not blank
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]]'
                   AND btrim(name) <> ''),
  effective_from date NOT NULL,
  effective_to   date,                       -- exclusive; NULL: until further notice
  -- when the row took its present form (set again by an import that changes it)
  imported_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list, code),
  CHECK (effective_to IS NULL OR effective_to > effective_from)
);

-- Into the investigation schema's audit trail (0012). create_audit (re)makes
-- the triggers of the tables it is given and leaves any others as they are.
SELECT candour_admin.create_audit('investigation', ARRAY['case', 'contribution', 'category']);
