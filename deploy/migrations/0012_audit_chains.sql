-- 0012: one audit chain per writer, not one per schema.
--
-- 0010 chained every entry of a schema in one line, so every transaction that
-- wrote an audited row took the schema's chain lock and held it to its commit.
-- Two connections of one service (intake's receipts and its event work), or
-- two instances of one (routing-1 and routing-2), then took turns: a receipt
-- waited for a whole group of status events to commit (12 ms in the
-- benchmark at a third of the load it can take). Now each entry belongs to a
-- chain named by the writing session's `candour.audit_chain` setting (the
-- services set it per connection; unset is the chain "" that 0010 began), and
-- writers of different chains never wait for each other. Each chain is as
-- tamper-evident as the single one was: an entry of chain c hashes
-- c || '|' || what 0010 hashed (chain "" exactly what 0010 hashed, so
-- existing entries still verify), so no entry can be moved between chains.
-- `candourctl audit verify` checks every chain of every schema.
--
-- And less to write: an UPDATE's entry holds only the columns it changed
-- (with the row's reference), not the whole row again, and an UPDATE that
-- changed nothing leaves no entry. The row as it became is its INSERT's entry
-- with each later entry applied in order. In the benchmark the audit trail
-- was the larger part of the database's WAL (whole rows, a complaint's text
-- in each, several times per complaint). The complaint tables also keep
-- their long texts out of line (toast_tuple_target), so an update of a
-- complaint's state does not write its text again.

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
      prev text;
      r jsonb;
      o jsonb;
      ref text;
      ts timestamptz := clock_timestamp();
    BEGIN
      r := CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END;
      ref := r->>'reference';
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
      VALUES (c, ts, current_user, TG_TABLE_NAME, TG_OP, ref, r, prev,
              encode(sha256(convert_to(CASE WHEN c = '' THEN '' ELSE c || '|' END || prev || '|'
                || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|'
                || current_user || '|' || TG_TABLE_NAME || '|' || TG_OP || '|' || r::text,
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
SELECT candour_admin.create_audit('routing', ARRAY['complaint', 'deadline', 'deadline_extension', 'contribution', 'route', 'org_policy']);
SELECT candour_admin.create_audit('investigation', ARRAY['case', 'contribution']);
SELECT candour_admin.create_audit('signoff', ARRAY['draft']);
SELECT candour_admin.create_audit('notify', ARRAY['recipient', 'letter', 'alert']);

-- Long texts out of line, so that updating a row's state does not copy them.
ALTER TABLE intake.complaint SET (toast_tuple_target = 256);
ALTER TABLE routing.complaint SET (toast_tuple_target = 256);
ALTER TABLE investigation."case" SET (toast_tuple_target = 256);
ALTER TABLE notify.letter SET (toast_tuple_target = 256);
