-- 0029_gateway.sql - the staff API's own records (issue 14): who a bearer
-- token is, API tokens, idempotency keys and the log of who read what.
--
-- The gateway gets a login role and a schema of its own, like the services.
-- It owns no complaint state. It reads the staff directory (routing's) only
-- through two SECURITY DEFINER functions that return the few columns it needs
-- (who, of which body, with which roles, enabled or not): never names or
-- contact details, and no grant on routing's tables.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'candour_gateway') THEN
    CREATE ROLE candour_gateway LOGIN;
  END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS gateway;
REVOKE ALL ON SCHEMA gateway FROM PUBLIC;

-- Staff sign in with their organisation's identity provider: the token's
-- subject (`sub`) names them. One person per subject.
ALTER TABLE routing.staff ADD COLUMN idp_subject text
  CHECK (idp_subject IS NULL OR length(idp_subject) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX staff_by_idp_subject ON routing.staff (idp_subject)
  WHERE idp_subject IS NOT NULL;

-- The ops role: runs Candour (letters resent, dead letters), reads no
-- complaint's content.
ALTER TABLE routing.staff DROP CONSTRAINT staff_roles_check;
ALTER TABLE routing.staff ADD CONSTRAINT staff_roles_check
  CHECK (roles <@ ARRAY['complaints-manager', 'investigator', 'signatory',
                        'responsible-person', 'analyst', 'ops']);

-- API tokens (candourctl token add|list|revoke). The token is shown once;
-- only the SHA-256 of its secret half is kept (the secret is 32 random
-- bytes, so a fast hash is enough). A token acts as the person it was
-- issued to, for their body, with at most the roles it names.
CREATE TABLE gateway.api_token (
  token_id    text PRIMARY KEY CHECK (token_id ~ '^[a-z0-9]{16}$'),
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  staff_id    text NOT NULL,
  org_id      text NOT NULL,
  roles       text[] NOT NULL CHECK (cardinality(roles) > 0),
  label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  expires_at  timestamptz,
  revoked_at  timestamptz,
  revoked_by  text,
  last_used_at timestamptz
);
CREATE INDEX api_token_by_staff ON gateway.api_token (staff_id);

-- Idempotency keys: a POST repeated with the same key (by the same person)
-- gets the first answer, not a second action. Kept for a day.
CREATE TABLE gateway.idempotency (
  staff_id     text NOT NULL,
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash text NOT NULL,
  status       integer,          -- NULL while the first request is in flight
  body         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (staff_id, key)
);
CREATE INDEX idempotency_by_age ON gateway.idempotency (created_at);

-- Who read or changed which complaint through the API (reads too): the
-- person, the route, the reference, the answer's status. Append-only.
CREATE TABLE gateway.access_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT clock_timestamp(),
  staff_id   text NOT NULL,
  org_id     text NOT NULL,
  via        text NOT NULL CHECK (via IN ('oidc', 'api-token')),
  method     text NOT NULL,
  route      text NOT NULL,
  reference  text NOT NULL,
  status     integer NOT NULL
);
CREATE INDEX access_log_by_ref ON gateway.access_log (reference, id);
CREATE OR REPLACE FUNCTION gateway.append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'gateway.access_log is append-only';
END
$fn$;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON gateway.access_log
  FOR EACH ROW EXECUTE FUNCTION gateway.append_only();

-- The directory as the gateway may see it.
CREATE OR REPLACE FUNCTION gateway.staff_by_subject(p_subject text)
RETURNS TABLE (staff_id text, org_id text, roles text[], disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT s.staff_id, s.org_id, s.roles, s.disabled
    FROM routing.staff s WHERE s.idp_subject = p_subject
$fn$;

-- A live API token's holder: their roles are the token's that they still
-- hold; the body is the token's, which must still be theirs.
CREATE OR REPLACE FUNCTION gateway.staff_by_token(p_token_id text)
RETURNS TABLE (secret_hash text, staff_id text, org_id text, roles text[], disabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT t.secret_hash, s.staff_id, s.org_id,
         ARRAY(SELECT unnest(t.roles) INTERSECT SELECT unnest(s.roles)),
         s.disabled OR s.org_id <> t.org_id
    FROM gateway.api_token t JOIN routing.staff s ON s.staff_id = t.staff_id
   WHERE t.token_id = p_token_id AND t.revoked_at IS NULL
     AND (t.expires_at IS NULL OR t.expires_at > now())
$fn$;
-- What body p_org is to complaint p_ref: 'lead' (it handles it: the lead
-- body, or before triage the body it was made to), 'party' (the body it
-- was made to, or a partner), or no row: nothing (or no such complaint).
CREATE OR REPLACE FUNCTION gateway.complaint_role(p_ref text, p_org text)
RETURNS TABLE (role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT CASE WHEN coalesce(c.lead_org, c.org_id) = p_org THEN 'lead' ELSE 'party' END
    FROM routing.complaint c
   WHERE c.reference = p_ref
     AND (coalesce(c.lead_org, c.org_id) = p_org OR c.org_id = p_org OR p_org = ANY (c.partners))
$fn$;
REVOKE ALL ON FUNCTION gateway.complaint_role(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gateway.complaint_role(text, text) TO candour_gateway;
REVOKE ALL ON FUNCTION gateway.staff_by_subject(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.staff_by_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gateway.staff_by_subject(text) TO candour_gateway;
GRANT EXECUTE ON FUNCTION gateway.staff_by_token(text) TO candour_gateway;

SELECT candour_admin.create_audit('gateway', ARRAY['api_token']);
