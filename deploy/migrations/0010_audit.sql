-- 0010: a tamper-evident audit trail (ARCHITECTURE guarantee 6). Every
-- insert, update and delete of a complaint's records is written, by a
-- trigger in the same transaction, to <schema>.audit: when, which service
-- (role), what (table, operation, the row as it became), and who and why as
-- the row itself records them (recorded_by, signed_by, agreed_by, reasons).
-- Each entry carries the SHA-256 of the previous entry's hash and its own
-- content, so changing or removing any entry breaks the chain from there on:
-- `candourctl audit verify` recomputes it. Writers of one schema take turns
-- on the chain (a transaction-scoped advisory lock), which is what keeps it
-- a single line.

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
    CREATE INDEX IF NOT EXISTS audit_by_ref ON %1$I.audit (reference, seq);

    CREATE OR REPLACE FUNCTION %1$I.audit_row() RETURNS trigger
    LANGUAGE plpgsql AS $t$
    DECLARE
      prev text;
      r jsonb;
      ts timestamptz := clock_timestamp();
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('candour.audit.' || TG_TABLE_SCHEMA));
      SELECT hash INTO prev FROM %1$I.audit ORDER BY seq DESC LIMIT 1;
      prev := coalesce(prev, '');
      r := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
      INSERT INTO %1$I.audit (at, actor, table_name, op, reference, row_data, prev_hash, hash)
      VALUES (ts, current_user, TG_TABLE_NAME, TG_OP, r->>'reference', r, prev,
              encode(sha256(convert_to(prev || '|' || to_char(ts AT TIME ZONE 'UTC',
                'YYYY-MM-DD"T"HH24:MI:SS.US') || '|' || current_user || '|' || TG_TABLE_NAME
                || '|' || TG_OP || '|' || r::text, 'UTF8')), 'hex'));
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
SELECT candour_admin.create_audit('routing', ARRAY['complaint', 'deadline', 'deadline_extension', 'contribution', 'route', 'org_policy']);
SELECT candour_admin.create_audit('investigation', ARRAY['case', 'contribution']);
SELECT candour_admin.create_audit('signoff', ARRAY['draft']);
SELECT candour_admin.create_audit('notify', ARRAY['recipient', 'letter', 'alert']);

-- The audit trail is append-only for the services: they may add (through
-- the trigger) and read, never change or remove an entry.
DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    EXECUTE format('CREATE OR REPLACE FUNCTION %I.audit_append_only() RETURNS trigger'
                   ' LANGUAGE plpgsql AS $x$ BEGIN RAISE EXCEPTION ''the audit trail is'
                   ' append-only''; END $x$', s);
    EXECUTE format('DROP TRIGGER IF EXISTS append_only ON %I.audit', s);
    EXECUTE format('CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON %I.audit'
                   ' FOR EACH ROW EXECUTE FUNCTION %I.audit_append_only()', s, s);
  END LOOP;
END $$;
