-- 0025_templates.sql - letter templates as data (issue "Letter templates"):
-- the words a body puts around every letter notify writes (its letterhead,
-- its sign-off, its footer, an ICB's covering letter), per family of letter
-- and per body, with {{variables}} from the case. services/notify/template.c
-- checks each at import (`candourctl templates import`): a template names
-- only variables every letter of its family has, so none prints a blank.
--
-- org_id '' is Candour's default, for every body (deploy/templates/default);
-- kind '*' is every family. Every version is kept, never changed: the words
-- in force when a letter was written can always be found again (imported_at).

CREATE TABLE notify.template (
  org_id      text NOT NULL CHECK (org_id = '' OR org_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  kind        text NOT NULL CHECK (kind IN ('*', 'acknowledgement', 'consent-request',
                'triage-outcome', 'progress', 'extension', 'late-response', 'final-response',
                'covering-letter', 'withdrawal-confirmation')),
  part        text NOT NULL CHECK (part IN ('letterhead', 'signature', 'footer', 'covering')),
  version     integer NOT NULL CHECK (version >= 1),
  body        text NOT NULL CHECK (octet_length(body) BETWEEN 1 AND 8192),
  -- Of body as UTF-8, so a letter's words can be matched to the version.
  sha256      text NOT NULL CHECK (sha256 = encode(sha256(convert_to(body, 'UTF8')), 'hex')),
  imported_by text NOT NULL CHECK (length(imported_by) BETWEEN 1 AND 300),
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, kind, part, version),
  -- The covering letter's own words are for the covering letter alone.
  CHECK (part <> 'covering' OR kind = 'covering-letter')
);

-- Kept as imported: a change is a new version.
CREATE FUNCTION notify.template_kept() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'notify.template keeps every version: import the words again as a new one'
    USING ERRCODE = 'integrity_constraint_violation';
END
$fn$;
CREATE TRIGGER kept BEFORE UPDATE OR DELETE ON notify.template
  FOR EACH ROW EXECUTE FUNCTION notify.template_kept();

-- Each (org, kind, part) at its highest version: the templates in force.
CREATE VIEW notify.template_current AS
  SELECT DISTINCT ON (org_id, kind, part) *
    FROM notify.template
   ORDER BY org_id, kind, part, version DESC;

-- The template of each part for a letter of body p_org and kind p_kind (a
-- family, or a stored letter's kind with its suffix: 'progress-2' is a
-- progress letter), in force at p_at. For each part the first there is of:
--   1. the body's own for the kind,   2. the body's own for every kind ('*'),
--   3. Candour's default for the kind, 4. Candour's default for every kind.
-- A part with none is not returned: notify uses its built-in words.
CREATE FUNCTION notify.template_for(p_org text, p_kind text, p_at timestamptz DEFAULT now())
RETURNS TABLE (part text, body text, org_id text, kind text, version integer, sha256 text)
LANGUAGE sql STABLE AS $fn$
  SELECT DISTINCT ON (t.part) t.part, t.body, t.org_id, t.kind, t.version, t.sha256
    FROM notify.template t
   WHERE t.org_id IN (p_org, '')
     AND (t.kind = '*' OR t.kind = p_kind OR starts_with(p_kind, t.kind || '-'))
     AND t.imported_at <= p_at
   ORDER BY t.part, t.org_id = '', t.kind = '*', t.version DESC
$fn$;

SELECT candour_admin.create_audit('notify',
  ARRAY['recipient', 'letter', 'alert', 'staff', 'org', 'template']);
