-- 0043: the audit trail written once per statement, not once per row.
--
-- Until now (0010, 0012, 0016) every audited table had a row trigger: each
-- row a statement inserted, changed or removed ran the trigger function on
-- its own, took the chain's lock, looked up the chain's last hash and
-- inserted one entry. A consumer that applies a batch (issue 18: routing
-- updates the complaint rows of a whole batch in one statement) paid that
-- per row. Now each audited table has three statement triggers with
-- transition tables (audit_ins, audit_upd, audit_del: PostgreSQL allows a
-- transition table only on a trigger of one event). Once per statement the
-- function takes the chain's lock, reads the chain's last hash and writes
-- every entry of the statement in one INSERT.
--
-- The entries are what they were: one per row, in the order the statement
-- changed the rows, chained and hashed exactly as before, so `candourctl
-- audit verify`, `candourctl audit log` and the case file read them as they
-- did. An UPDATE's entry still holds only the columns that changed (with the
-- row's reference), and an UPDATE that changed nothing leaves no entry. The
-- old and new rows of an UPDATE are paired by their place in the transition
-- tables, checked by the table's primary key (the trigger's arguments): a
-- row whose key itself changed has its whole new row in its entry.

CREATE OR REPLACE FUNCTION candour_admin.create_audit(s text, tables text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t text;
  keys text;
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

    -- The entries of one statement. TG_ARGV: the table's primary key columns.
    CREATE OR REPLACE FUNCTION %1$I.audit_stmt() RETURNS trigger
    LANGUAGE plpgsql AS $t$
    DECLARE
      c text := coalesce(current_setting('candour.audit_chain', true), '');
      who text := coalesce(nullif(current_setting('candour.actor', true), ''), current_user);
      keys text[] := TG_ARGV;
      q refcursor;  -- the rows as they became (INSERT, UPDATE) or were (DELETE)
      qo refcursor; -- an UPDATE's rows as they were
      j jsonb;
      o jsonb;
      r jsonb;
      n int := 0;
      refs text[] := '{}';   -- each entry's reference (a person's entries: by their id)
      datas jsonb[] := '{}'; -- what it holds
      ats timestamptz[] := '{}';
      prevs text[] := '{}';
      hashes text[] := '{}';
      prev text;
    BEGIN
      -- Each cursor reads its transition table straight through: no join,
      -- so no plan can make the work grow faster than the rows.
      IF TG_OP = 'DELETE' THEN
        OPEN q FOR SELECT to_jsonb(x) FROM old_rows x;
      ELSE
        OPEN q FOR SELECT to_jsonb(x) FROM new_rows x;
      END IF;
      IF TG_OP = 'UPDATE' THEN
        -- PostgreSQL fills the two transition tables together, row by row,
        -- so the i-th old row is the i-th new row's before-image; the key
        -- check guards the pairing (a pair whose keys differ: the whole new
        -- row).
        OPEN qo FOR SELECT to_jsonb(x) FROM old_rows x;
      END IF;
      LOOP
        FETCH q INTO j;
        EXIT WHEN NOT FOUND;
        r := j;
        IF TG_OP = 'UPDATE' THEN
          FETCH qo INTO o;
          IF FOUND AND NOT EXISTS (SELECT 1 FROM unnest(keys) k WHERE j -> k IS DISTINCT FROM o -> k) THEN
            r := coalesce((SELECT jsonb_object_agg(f.key, f.value) FROM jsonb_each(j) AS f
                           WHERE f.value IS DISTINCT FROM o -> f.key), '{}');
            CONTINUE WHEN r = '{}'; -- a row the UPDATE left as it was: no entry
          END IF;
        END IF;
        IF n = 0 THEN
          PERFORM pg_advisory_xact_lock(hashtext('candour.audit.' || TG_TABLE_SCHEMA || '.' || c));
          SELECT a.hash INTO prev FROM %1$I.audit a WHERE a.chain = c ORDER BY a.seq DESC LIMIT 1;
          prev := coalesce(prev, '');
        END IF;
        n := n + 1;
        refs[n] := coalesce(j->>'reference', j->>'staff_id');
        datas[n] := r;
        ats[n] := clock_timestamp();
        prevs[n] := prev;
        prev := encode(sha256(convert_to(CASE WHEN c = '' THEN '' ELSE c || '|' END || prev || '|'
                  || to_char(ats[n] AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|'
                  || who || '|' || TG_TABLE_NAME || '|' || TG_OP || '|' || r::text,
                  'UTF8')), 'hex');
        hashes[n] := prev;
      END LOOP;
      CLOSE q;
      IF TG_OP = 'UPDATE' THEN
        CLOSE qo;
      END IF;
      IF n > 0 THEN
        INSERT INTO %1$I.audit (chain, at, actor, table_name, op, reference, row_data, prev_hash, hash)
        SELECT c, u.at, who, TG_TABLE_NAME, TG_OP, u.ref, u.r, u.prev, u.hash
        FROM unnest(ats, refs, datas, prevs, hashes) WITH ORDINALITY AS u(at, ref, r, prev, hash, o)
        ORDER BY u.o;
      END IF;
      RETURN NULL;
    END
    $t$;
  $sql$, s);
  FOREACH t IN ARRAY tables LOOP
    SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY k.o) INTO keys
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, o)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = format('%I.%I', s, t)::regclass AND i.indisprimary;
    IF keys IS NULL THEN
      RAISE EXCEPTION 'create_audit: %.% has no primary key (an update''s old and new rows are paired by it)', s, t;
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS audit ON %I.%I', s, t);
    EXECUTE format('DROP TRIGGER IF EXISTS audit_ins ON %I.%I', s, t);
    EXECUTE format('DROP TRIGGER IF EXISTS audit_upd ON %I.%I', s, t);
    EXECUTE format('DROP TRIGGER IF EXISTS audit_del ON %I.%I', s, t);
    EXECUTE format('CREATE TRIGGER audit_ins AFTER INSERT ON %I.%I REFERENCING NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION %I.audit_stmt(%s)', s, t, s, keys);
    EXECUTE format('CREATE TRIGGER audit_upd AFTER UPDATE ON %I.%I'
                   ' REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION %I.audit_stmt(%s)', s, t, s, keys);
    EXECUTE format('CREATE TRIGGER audit_del AFTER DELETE ON %I.%I REFERENCING OLD TABLE AS old_rows'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION %I.audit_stmt(%s)', s, t, s, keys);
  END LOOP;
END
$fn$;

-- Every table that has the row trigger gets the statement triggers instead,
-- and the row trigger's function goes.
DO $$
DECLARE
  s text;
  tables text[];
BEGIN
  FOR s, tables IN
    SELECT n.nspname, array_agg(c.relname::text ORDER BY c.relname)
    FROM pg_trigger g
    JOIN pg_class c ON c.oid = g.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE g.tgname = 'audit' AND NOT g.tgisinternal
    GROUP BY n.nspname
  LOOP
    PERFORM candour_admin.create_audit(s, tables);
    EXECUTE format('DROP FUNCTION IF EXISTS %I.audit_row()', s);
  END LOOP;
END $$;
