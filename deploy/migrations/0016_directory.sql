-- 0016_directory.sql - the staff directory and the organisations' settings
-- (Regs reg. 4; issue "Casework"), and the person acting in the audit trail.
--
-- Routing keeps the directory (routing.staff, routing.org_policy) and sends
-- every change as an event (staff.changed, org.changed); investigation,
-- signoff and notify keep a copy each, in their own schema, which they check
-- the person acting against. A copy holds the highest version it has heard,
-- so events that cross on the bus cannot put an older record back.
--
-- The audit trail names the person: a staff operation's transaction sets
-- `candour.actor` (e.g. "Dr A Khan (ST12)") for its own statements and clears
-- it after them, so that a transaction committed in the same group is not
-- credited to them; unset, the entry names the database role as before. The
-- hash covers the actor as it covered the role, so `candourctl audit verify`
-- still checks every entry.

CREATE SEQUENCE routing.staff_seq;

CREATE TABLE routing.staff (
  staff_id        text PRIMARY KEY DEFAULT 'ST' || nextval('routing.staff_seq'),
  org_id          text NOT NULL CHECK (org_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  job_title       text NOT NULL DEFAULT '',
  team            text NOT NULL DEFAULT '',
  email           text NOT NULL DEFAULT '',
  phone           text NOT NULL DEFAULT '',
  roles           text[] NOT NULL DEFAULT '{}',
  signs_for       text[] NOT NULL DEFAULT '{}',
  disabled        boolean NOT NULL DEFAULT false,
  disabled_reason text NOT NULL DEFAULT '',
  version         bigint NOT NULL DEFAULT 1,
  changed_at      timestamptz NOT NULL DEFAULT now(),
  changed_by      text NOT NULL,
  CHECK (roles <@ ARRAY['complaints-manager', 'investigator', 'signatory',
                        'responsible-person', 'analyst']),
  CHECK (disabled OR disabled_reason = '')
);
ALTER SEQUENCE routing.staff_seq OWNED BY routing.staff.staff_id;
CREATE INDEX staff_by_org ON routing.staff (org_id, staff_id);

-- The settings DOMAIN.md leaves to each body; 0 or '' = Candour's default.
ALTER TABLE routing.org_policy
  ADD COLUMN response_days      integer NOT NULL DEFAULT 0 CHECK (response_days BETWEEN 0 AND 130),
  ADD COLUMN update_every_days  integer NOT NULL DEFAULT 0 CHECK (update_every_days BETWEEN 0 AND 130),
  ADD COLUMN responsible_person text NOT NULL DEFAULT '',
  ADD COLUMN complaints_manager text NOT NULL DEFAULT '',
  ADD COLUMN letterhead         jsonb NOT NULL DEFAULT '{}',  -- a Letterhead (pbjson)
  ADD COLUMN version            bigint NOT NULL DEFAULT 1,
  ADD COLUMN changed_at         timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN changed_by         text NOT NULL DEFAULT '';

-- The copies: the same columns as routing.staff, without the sequence.
CREATE OR REPLACE FUNCTION candour_admin.create_directory_copy(s text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($sql$
    CREATE TABLE IF NOT EXISTS %1$I.staff (
      staff_id        text PRIMARY KEY,
      org_id          text NOT NULL,
      name            text NOT NULL,
      job_title       text NOT NULL DEFAULT '',
      team            text NOT NULL DEFAULT '',
      email           text NOT NULL DEFAULT '',
      phone           text NOT NULL DEFAULT '',
      roles           text[] NOT NULL DEFAULT '{}',
      signs_for       text[] NOT NULL DEFAULT '{}',
      disabled        boolean NOT NULL DEFAULT false,
      disabled_reason text NOT NULL DEFAULT '',
      version         bigint NOT NULL
    );
    CREATE TABLE IF NOT EXISTS %1$I.org (
      org_id             text PRIMARY KEY,
      response_days      integer NOT NULL DEFAULT 0,
      update_every_days  integer NOT NULL DEFAULT 0,
      pass_to_provider   boolean NOT NULL DEFAULT false,
      responsible_person text NOT NULL DEFAULT '',
      complaints_manager text NOT NULL DEFAULT '',
      letterhead         jsonb NOT NULL DEFAULT '{}',
      version            bigint NOT NULL
    );
  $sql$, s);
END
$fn$;

SELECT candour_admin.create_directory_copy(s)
  FROM unnest(ARRAY['investigation', 'signoff', 'notify']) AS s;

-- The investigator (V1): who, when, by whom, and the impartiality check as
-- it was made (what the person was compared with, and that nothing matched).
ALTER TABLE investigation."case"
  ADD COLUMN staff_named   text[] NOT NULL DEFAULT '{}',
  ADD COLUMN teams_named   text[] NOT NULL DEFAULT '{}',
  ADD COLUMN investigator  text,
  ADD COLUMN assigned_at   timestamptz,
  ADD COLUMN assigned_by   text,
  ADD COLUMN impartiality  text;

-- The body whose response a draft is: its signatories sign it, or those it
-- authorised (F2).
ALTER TABLE signoff.draft ADD COLUMN org_id text NOT NULL DEFAULT '';

-- The audit trail, with the person acting.
CREATE OR REPLACE FUNCTION candour_admin.create_audit(s text, tables text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE t text;
BEGIN
  EXECUTE format($sql$
    CREATE TABLE IF NOT EXISTS %1$I.audit (
      seq        bigserial PRIMARY KEY,
      at         timestamptz NOT NULL DEFAULT clock_timestamp(),
      actor      text NOT NULL DEFAULT current_user,
      table_name text NOT NULL,
      op         text NOT NULL,
      reference  text,
      row_data   jsonb NOT NULL,
      prev_hash  text NOT NULL,
      hash       text NOT NULL
    );
    ALTER TABLE %1$I.audit ADD COLUMN IF NOT EXISTS chain text NOT NULL DEFAULT '';
    CREATE INDEX IF NOT EXISTS audit_by_ref ON %1$I.audit (reference, seq);
    CREATE INDEX IF NOT EXISTS audit_by_chain ON %1$I.audit (chain, seq);

    CREATE OR REPLACE FUNCTION %1$I.audit_row() RETURNS trigger
    LANGUAGE plpgsql AS $t$
    DECLARE
      c text := coalesce(current_setting('candour.audit_chain', true), '');
      who text := coalesce(nullif(current_setting('candour.actor', true), ''), current_user);
      prev text;
      r jsonb;
      o jsonb;
      ref text;
      ts timestamptz := clock_timestamp();
    BEGIN
      r := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
      ref := coalesce(r->>'reference', r->>'staff_id');  -- a person's entries: by their id
      IF TG_OP = 'UPDATE' THEN
        o := to_jsonb(OLD);
        r := coalesce((SELECT jsonb_object_agg(n.key, n.value) FROM jsonb_each(r) AS n
                       WHERE n.value IS DISTINCT FROM o -> n.key), '{}');
        IF r = '{}' THEN
          RETURN NULL; -- nothing changed, nothing to record
        END IF;
      END IF;
      PERFORM pg_advisory_xact_lock(hashtext('candour.audit.' || TG_TABLE_SCHEMA || '.' || c));
      SELECT hash INTO prev FROM %1$I.audit WHERE chain = c ORDER BY seq DESC LIMIT 1;
      prev := coalesce(prev, '');
      INSERT INTO %1$I.audit (chain, at, actor, table_name, op, reference, row_data, prev_hash, hash)
      VALUES (c, ts, who, TG_TABLE_NAME, TG_OP, ref, r, prev,
              encode(sha256(convert_to(CASE WHEN c = '' THEN '' ELSE c || '|' END || prev || '|'
                || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|'
                || who || '|' || TG_TABLE_NAME || '|' || TG_OP || '|' || r::text,
                'UTF8')), 'hex'));
      RETURN NULL;
    END
    $t$;
  $sql$, s);
  FOREACH t IN ARRAY tables LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS audit ON %I.%I', s, t);
    EXECUTE format('CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON %I.%I'
                   ' FOR EACH ROW EXECUTE FUNCTION %I.audit_row()', s, t, s);
  END LOOP;
END
$fn$;

SELECT candour_admin.create_audit('intake', ARRAY['complaint', 'change', 'contribution', 'org_key', 'organisation']);
SELECT candour_admin.create_audit('routing', ARRAY['complaint', 'deadline', 'deadline_extension', 'contribution', 'route', 'org_policy', 'staff']);
SELECT candour_admin.create_audit('investigation', ARRAY['case', 'contribution', 'staff', 'org']);
SELECT candour_admin.create_audit('signoff', ARRAY['draft', 'staff', 'org']);
SELECT candour_admin.create_audit('notify', ARRAY['recipient', 'letter', 'alert', 'staff', 'org']);
