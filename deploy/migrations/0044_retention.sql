-- 0044: records kept as the law says (issue 16), and an audit trail whose
-- content can be erased without breaking its chain.
--
-- The NHS Records Management Code of Practice keeps complaint records 10
-- years after closure, then disposes of them, the disposal recorded. Each
-- body may keep them longer (retention_policy; no row: 10 years). A
-- complaint is closed when routing holds it in a state the lifecycle table
-- leaves no way out of (common/src/lifecycle.c cd_lc_closed: candourctl
-- passes that list); it closed when it entered that state (complaint_closure
-- below). `candourctl retention run` disposes of what is due: the personal
-- data of the complaint's rows is removed from every service's schema
-- (de-identified skeleton rows stay, so counts still add up), its audit
-- entries' content is erased, and disposal holds one row per complaint;
-- candourctl also blanks its events in the outboxes (they are protobuf:
-- services/candourctl/retention_outbox.c) and removes its letters' files.
--
-- Chain format 2. Until now an entry's hash covered its row_data as text,
-- so erasing the content of an entry broke the chain. Now the hash covers
-- the SHA-256 of the content instead:
--   sha256(chain| prev | at | actor | table | op | sha256(row_data::text))
-- and an erased entry keeps that digest in row_digest (NULL otherwise):
-- verify computes coalesce(row_digest, sha256(row_data::text)). Existing
-- entries are re-sealed in format 2 here, each chain's format-1 chain first
-- verified (a broken one stops the migration: tampering is never laundered
-- into a valid chain), and each chain's old and new head kept in
-- audit_reseal, so the change is itself evidence.

-- ---------------------------------------------------------------------------
-- The audit trail, format 2 (0043's statement trigger; only the hash's last
-- part and the guard change).
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
    -- The SHA-256 (hex) of an erased entry's content; NULL while it is there.
    ALTER TABLE %1$I.audit ADD COLUMN IF NOT EXISTS row_digest text;
    CREATE INDEX IF NOT EXISTS audit_by_ref ON %1$I.audit (reference, seq);
    CREATE INDEX IF NOT EXISTS audit_by_chain ON %1$I.audit (chain, seq);

    -- Append-only, but for one change: candour_admin.audit_erase replacing
    -- an entry's content by the erasure marker and keeping the content's
    -- digest, every other column as it was, so the chain still verifies.
    CREATE OR REPLACE FUNCTION %1$I.audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $x$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND current_setting('candour.audit_erasure', true) = 'on'
         AND current_user = (SELECT r.rolname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
                             WHERE p.oid = 'candour_admin.audit_erase(text, text, bigint, bigint)'::regprocedure)
         AND OLD.row_digest IS NULL
         AND NEW.row_digest = encode(sha256(convert_to(OLD.row_data::text, 'UTF8')), 'hex')
         AND NEW.row_data ? 'erased'
         AND (NEW.seq, NEW.at, NEW.actor, NEW.table_name, NEW.op, NEW.reference, NEW.prev_hash,
              NEW.hash, NEW.chain)
             IS NOT DISTINCT FROM (OLD.seq, OLD.at, OLD.actor, OLD.table_name, OLD.op,
                                   OLD.reference, OLD.prev_hash, OLD.hash, OLD.chain) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'the audit trail is append-only';
    END
    $x$;
    DROP TRIGGER IF EXISTS append_only ON %1$I.audit;
    CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON %1$I.audit
      FOR EACH ROW EXECUTE FUNCTION %1$I.audit_append_only();

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
      IF TG_OP = 'DELETE' THEN
        OPEN q FOR SELECT to_jsonb(x) FROM old_rows x;
      ELSE
        OPEN q FOR SELECT to_jsonb(x) FROM new_rows x;
      END IF;
      IF TG_OP = 'UPDATE' THEN
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
        -- Format 2: the content's digest, not the content.
        prev := encode(sha256(convert_to(CASE WHEN c = '' THEN '' ELSE c || '|' END || prev || '|'
                  || to_char(ats[n] AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|'
                  || who || '|' || TG_TABLE_NAME || '|' || TG_OP || '|'
                  || encode(sha256(convert_to(r::text, 'UTF8')), 'hex'),
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

-- Erase the content of every entry of one complaint in schema s (those
-- already erased are left): row_data becomes {"erased": "retention",
-- "disposal": id}, row_digest the digest of what it held. The one change the
-- append-only guard lets through, and only from here (the guard checks the
-- role is this function's owner). except_after: UPDATE entries after this
-- seq written by the person disposing (candour.actor) are kept: the
-- disposal's own, which hold only the de-identified values. The number
-- erased.
CREATE OR REPLACE FUNCTION candour_admin.audit_erase(s text, ref text, disposal bigint,
                                                     except_after bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $fn$
DECLARE
  n bigint;
BEGIN
  PERFORM set_config('candour.audit_erasure', 'on', true);
  EXECUTE format('UPDATE %I.audit SET row_digest = encode(sha256(convert_to(row_data::text,'
                 ' ''UTF8'')), ''hex''), row_data = jsonb_build_object(''erased'', ''retention'','
                 ' ''disposal'', $2) WHERE reference = $1 AND row_digest IS NULL'
                 ' AND NOT ($3::bigint IS NOT NULL AND seq > $3 AND op = ''UPDATE'' AND actor = $4)', s)
    USING ref, disposal, except_after,
          coalesce(nullif(current_setting('candour.actor', true), ''), session_user::text);
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('candour.audit_erasure', 'off', true);
  RETURN n;
END
$fn$;
REVOKE ALL ON FUNCTION candour_admin.audit_erase(text, text, bigint, bigint) FROM PUBLIC;

-- Each chain's re-sealing into format 2.
CREATE TABLE IF NOT EXISTS candour_admin.audit_reseal (
  schema_name text NOT NULL,
  chain       text NOT NULL,
  entries     bigint NOT NULL,
  v1_head     text NOT NULL, -- the chain's last hash in format 1, as it was
  v2_head     text NOT NULL, -- and in format 2
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, chain)
);

-- Every schema with an audit trail: the new guard and trigger function, its
-- tables' triggers made again, then every chain verified and re-sealed.
DO $$
DECLARE
  s text;
  tables text[];
  ch text;
  bad bigint;
  seqs bigint[];
  hashes text[];
  prevs text[];
  prev text;
  h text;
  v1 text;
  rec record;
BEGIN
  FOR s IN SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relname = 'audit' AND c.relkind = 'r' ORDER BY 1 LOOP
    SELECT coalesce(array_agg(DISTINCT c.relname::text), '{}') INTO tables
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
    WHERE c.relnamespace = s::regnamespace AND g.tgname = 'audit_ins' AND NOT g.tgisinternal;
    PERFORM candour_admin.create_audit(s, tables);
    EXECUTE format('ALTER TABLE %I.audit DISABLE TRIGGER append_only', s);
    FOR ch IN EXECUTE format('SELECT DISTINCT chain FROM %I.audit ORDER BY 1', s) LOOP
      -- The format-1 chain first: every link and every hash.
      EXECUTE format($q$
        SELECT min(seq) FROM (
          SELECT seq, prev_hash = coalesce(lag(hash) OVER (ORDER BY seq), '') AS linked,
                 hash = encode(sha256(convert_to(CASE WHEN chain = '' THEN '' ELSE chain || '|' END
                   || prev_hash || '|' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
                   || '|' || actor || '|' || table_name || '|' || op || '|' || row_data::text,
                   'UTF8')), 'hex') AS intact
          FROM %I.audit WHERE chain = $1) x WHERE NOT (linked AND intact)$q$, s)
        INTO bad USING ch;
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'audit trail %: chain "%" is broken at entry % (format 1): not re-sealed',
          s, ch, bad;
      END IF;
      seqs := '{}';
      hashes := '{}';
      prevs := '{}';
      prev := '';
      v1 := '';
      FOR rec IN EXECUTE format('SELECT seq, at, actor, table_name, op, row_data, hash FROM %I.audit'
                                ' WHERE chain = $1 ORDER BY seq', s) USING ch LOOP
        h := encode(sha256(convert_to(CASE WHEN ch = '' THEN '' ELSE ch || '|' END || prev || '|'
               || to_char(rec.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '|'
               || rec.actor || '|' || rec.table_name || '|' || rec.op || '|'
               || encode(sha256(convert_to(rec.row_data::text, 'UTF8')), 'hex'), 'UTF8')), 'hex');
        seqs := seqs || rec.seq;
        prevs := prevs || prev;
        hashes := hashes || h;
        prev := h;
        v1 := rec.hash;
      END LOOP;
      EXECUTE format('UPDATE %I.audit a SET prev_hash = u.prev, hash = u.hash'
                     ' FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(seq, prev, hash)'
                     ' WHERE a.seq = u.seq', s) USING seqs, prevs, hashes;
      INSERT INTO candour_admin.audit_reseal (schema_name, chain, entries, v1_head, v2_head)
      VALUES (s, ch, cardinality(seqs), v1, prev)
      ON CONFLICT (schema_name, chain) DO NOTHING;
    END LOOP;
    EXECUTE format('ALTER TABLE %I.audit ENABLE TRIGGER append_only', s);
  END LOOP;
END $$;

-- ---------------------------------------------------------------------------
-- Retention.

-- How long each body keeps its complaint records after closure (no row: 10
-- years, the Code of Practice's).
CREATE TABLE IF NOT EXISTS candour_admin.retention_policy (
  org_id  text PRIMARY KEY,
  years   integer NOT NULL CHECK (years BETWEEN 1 AND 100),
  set_by  text NOT NULL,
  set_at  timestamptz NOT NULL DEFAULT now()
);

-- A complaint kept past its time (litigation, an inquiry): not disposed of
-- while a hold is not released.
CREATE TABLE IF NOT EXISTS candour_admin.retention_hold (
  id          bigserial PRIMARY KEY,
  reference   text NOT NULL,
  reason      text NOT NULL CHECK (length(reason) > 0),
  held_by     text NOT NULL,
  held_at     timestamptz NOT NULL DEFAULT now(),
  released_by text,
  released_at timestamptz,
  CHECK ((released_by IS NULL) = (released_at IS NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS retention_hold_active
  ON candour_admin.retention_hold (reference) WHERE released_at IS NULL;

-- The disposal register: one row per complaint disposed of. References
-- only, no personal data.
CREATE TABLE IF NOT EXISTS candour_admin.disposal (
  id          bigserial PRIMARY KEY,
  reference   text NOT NULL UNIQUE,
  org_id      text NOT NULL,
  closed_on   date NOT NULL,
  due_on      date NOT NULL,
  disposed_at timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL CHECK (length(actor) > 0),
  removed     jsonb NOT NULL DEFAULT '{}' -- per table, the rows changed or removed
);

-- When a complaint reached the state it is in: the closure of a closed one.
-- A response sent: when it was sent (routing's response_sent_at). Any other
-- state: when intake recorded the change into it (its latest status change
-- to that state), else routing's last change of the row. The date is
-- England's (Europe/London).
CREATE OR REPLACE VIEW candour_admin.complaint_closure AS
SELECT c.reference, c.org_id, c.state,
       x.closed_at, (x.closed_at AT TIME ZONE 'Europe/London')::date AS closed_on
FROM routing.complaint c
CROSS JOIN LATERAL (SELECT coalesce(
    CASE WHEN c.state = 'response-sent' THEN c.response_sent_at END,
    (SELECT max(s.at) FROM intake.status_change s
      WHERE s.reference = c.reference AND s.state = c.state),
    c.updated_at) AS closed_at) x;

-- An open Ombudsman referral (its latest stage not a decision or a refusal
-- to investigate) holds a complaint as a hold does.
CREATE OR REPLACE VIEW candour_admin.retention_held AS
SELECT h.reference, 'hold: ' || h.reason AS why FROM candour_admin.retention_hold h
 WHERE h.released_at IS NULL
UNION ALL
SELECT r.reference, 'open Ombudsman referral ' || r.phso_ref
  FROM investigation.referral r
 WHERE r.seq = (SELECT max(seq) FROM investigation.referral x WHERE x.reference = r.reference)
   AND r.stage NOT IN ('decided', 'not-investigated');

SELECT candour_admin.create_audit('candour_admin', ARRAY['retention_policy', 'retention_hold', 'disposal']);

-- Dispose of one complaint's records (the caller has decided it is due, and
-- names the person in candour.actor for the audit trail): its personal data
-- removed from every service's schema, the rows kept as de-identified
-- skeletons (states, dates, codes, org ids) where they count, removed where
-- keeping them serves nothing (drafts' texts, attachments); every audit
-- entry of the complaint erased but for the disposal's own (UPDATEs to the
-- skeleton values); the register's row. Refuses a complaint already
-- disposed of or held. The register row's id.
CREATE OR REPLACE FUNCTION candour_admin.retention_dispose(ref text, org text, closed date,
                                                           due date, who text)
RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  did bigint;
  n bigint;
  what jsonb := '{}';
  marks jsonb := '{}';
  s text;
  erased bigint := 0;
  gone constant jsonb := '{"disposed": "retention"}';
  -- for the texts that must not be empty (CHECK length > 0; a progress
  -- update's text is empty only when not yet written)
  blank constant text := '(disposed)';
BEGIN
  IF EXISTS (SELECT 1 FROM candour_admin.retention_held h WHERE h.reference = ref) THEN
    RAISE EXCEPTION 'retention: % is held', ref;
  END IF;
  INSERT INTO candour_admin.disposal (reference, org_id, closed_on, due_on, actor)
  VALUES (ref, org, closed, due, who) RETURNING disposal.id INTO did;
  -- Where each audit trail stands before the disposal's own entries.
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    EXECUTE format('SELECT coalesce(max(seq), 0) FROM %I.audit', s) INTO n;
    marks := marks || jsonb_build_object(s, n);
  END LOOP;

  -- intake
  UPDATE intake.complaint SET body = gone WHERE reference = ref AND body <> gone;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('intake.complaint', n);
  UPDATE intake.change SET body = gone WHERE reference = ref AND body <> gone;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('intake.change', n);
  UPDATE intake.contribution SET findings = '' WHERE reference = ref AND findings <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('intake.contribution', n);
  UPDATE intake.partner_message SET body = gone WHERE reference = ref AND body <> gone;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('intake.partner_message', n);
  UPDATE intake.status_change SET detail = '' WHERE reference = ref AND detail <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('intake.status_change', n);
  UPDATE intake.outbox_delivery SET last_error = NULL WHERE complaint_ref = ref AND last_error IS NOT NULL;

  -- routing
  UPDATE routing.complaint SET content = gone, triage_reason = NULL
   WHERE reference = ref AND (content <> gone OR triage_reason IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.complaint', n);
  UPDATE routing.contribution SET findings = '', reason = NULL
   WHERE reference = ref AND (findings <> '' OR reason IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.contribution', n);
  UPDATE routing.deadline_extension SET reason = blank, agreed_by = blank
   WHERE reference = ref AND (reason <> blank OR agreed_by <> blank);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.deadline_extension', n);
  UPDATE routing.history SET detail = '' WHERE reference = ref AND detail <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.history', n);
  UPDATE routing.late_response SET reason = blank WHERE reference = ref AND reason <> blank;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.late_response', n);
  UPDATE routing.progress_update SET text = blank WHERE reference = ref AND text NOT IN ('', blank);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('routing.progress_update', n);
  UPDATE routing.outbox_delivery SET last_error = NULL WHERE complaint_ref = ref AND last_error IS NOT NULL;

  -- investigation
  UPDATE investigation."case" SET description = '', desired_outcome = '', findings = NULL,
         withdrawn_reason = NULL, staff_named = '{}', teams_named = '{}', impartiality = NULL,
         plan_reason = '', failings = '{}', lessons = '{}', apology = '', redress_for = '',
         service_change = '', complainant_name = '', address_as = '', withheld = '{}'
   WHERE reference = ref AND (description, desired_outcome, findings, withdrawn_reason, staff_named,
         teams_named, impartiality, plan_reason, failings, lessons, apology, redress_for,
         service_change, complainant_name, address_as, withheld)
         IS DISTINCT FROM ('', '', NULL, NULL, '{}'::text[], '{}'::text[], NULL, '', '{}'::text[],
         '{}'::text[], '', '', '', '', '', '{}'::text[]);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.case', n);
  UPDATE investigation.contribution SET findings = '', reason = ''
   WHERE reference = ref AND (findings <> '' OR reason <> '');
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.contribution', n);
  UPDATE investigation.action SET description = '' WHERE reference = ref AND description <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.action', n);
  UPDATE investigation.finding SET what_happened = '', what_should_have_happened = '',
         not_addressed_reason = ''
   WHERE reference = ref AND (what_happened <> '' OR what_should_have_happened <> ''
         OR not_addressed_reason <> '');
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.finding', n);
  UPDATE investigation.key_issue SET summary = '' WHERE reference = ref AND summary <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.key_issue', n);
  UPDATE investigation.referral SET note = '' WHERE reference = ref AND note <> '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.referral', n);
  -- Evidence: what it was stays (kind, date, flag); what it said and its file go.
  CREATE TEMP TABLE IF NOT EXISTS retention_files (sha256 text) ON COMMIT DROP;
  DELETE FROM retention_files;
  INSERT INTO retention_files SELECT DISTINCT e.sha256 FROM investigation.evidence e
   WHERE e.reference = ref AND e.sha256 IS NOT NULL;
  UPDATE investigation.evidence SET source = '', summary = '', flag_note = '', filename = NULL,
         sha256 = NULL, size = NULL
   WHERE reference = ref AND (source <> '' OR summary <> '' OR flag_note <> '' OR sha256 IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.evidence', n);
  DELETE FROM investigation.attachment a USING retention_files f
   WHERE a.sha256 = f.sha256
     AND NOT EXISTS (SELECT 1 FROM investigation.evidence e WHERE e.sha256 = a.sha256);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.attachment', n);
  -- A draft's text is bound to its hash (CHECK): the drafts go.
  DELETE FROM investigation.draft WHERE reference = ref;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('investigation.draft', n);
  UPDATE investigation.outbox_delivery SET last_error = NULL WHERE complaint_ref = ref AND last_error IS NOT NULL;

  -- signoff
  UPDATE signoff.draft SET findings = CASE WHEN findings IS NULL THEN NULL ELSE '' END,
         contributions = '[]', withdrawn_reason = NULL, draft_text = NULL, summary = '{}',
         signed_over = '{}'
   WHERE reference = ref AND (findings <> '' OR contributions <> '[]' OR withdrawn_reason IS NOT NULL
         OR draft_text IS NOT NULL OR summary <> '{}' OR signed_over <> '{}');
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('signoff.draft', n);
  UPDATE signoff.draft_return SET reasons = blank WHERE reference = ref AND reasons <> blank;
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('signoff.draft_return', n);
  UPDATE signoff.signature SET signed_over = '{}', void_reason = NULL
   WHERE reference = ref AND (signed_over <> '{}' OR void_reason IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('signoff.signature', n);
  UPDATE signoff.outbox_delivery SET last_error = NULL WHERE complaint_ref = ref AND last_error IS NOT NULL;

  -- notify: the letters' texts and addresses, the recipient
  UPDATE notify.letter SET body = '', recipient = NULL, head = '', last_error = NULL
   WHERE reference = ref AND (body <> '' OR recipient IS NOT NULL OR head <> '' OR last_error IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('notify.letter', n);
  UPDATE notify.delivery_attempt d SET detail = '' FROM notify.letter l
   WHERE l.letter_id = d.letter_id AND l.reference = ref AND d.detail IS DISTINCT FROM '';
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('notify.delivery_attempt', n);
  UPDATE notify.recipient SET person = gone, patient = NULL, withdrawal_reason = NULL
   WHERE reference = ref AND (person <> gone OR patient IS NOT NULL OR withdrawal_reason IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('notify.recipient', n);
  UPDATE notify.alert SET detail = '', email_error = NULL
   WHERE reference = ref AND (detail <> '' OR email_error IS NOT NULL);
  GET DIAGNOSTICS n = ROW_COUNT; what := what || jsonb_build_object('notify.alert', n);
  UPDATE notify.outbox_delivery SET last_error = NULL WHERE complaint_ref = ref AND last_error IS NOT NULL;

  -- The audit trails: every entry of the complaint erased, but the
  -- disposal's own UPDATEs (they hold the skeleton values only).
  FOREACH s IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    erased := erased + candour_admin.audit_erase(s, ref, did, (marks ->> s)::bigint);
  END LOOP;
  what := what || jsonb_build_object('audit_entries_erased', erased);
  UPDATE candour_admin.disposal d SET removed = what WHERE d.id = did;
  RETURN did;
END
$fn$;
REVOKE ALL ON FUNCTION candour_admin.retention_dispose(text, text, date, date, text) FROM PUBLIC;
