-- 0001: the admin schema, the service roles and schemas, and the bus tables.
-- Each service has a schema of its own and a login role that is granted that
-- schema only (ARCHITECTURE guarantee 4). Migrations run as the admin role;
-- services never do DDL.

CREATE SCHEMA IF NOT EXISTS candour_admin;
REVOKE ALL ON SCHEMA candour_admin FROM PUBLIC;

-- Roles are cluster-wide: create them only when missing.
DO $$
DECLARE svc text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'candour_' || svc) THEN
      EXECUTE format('CREATE ROLE %I LOGIN', 'candour_' || svc);
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', svc);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
  END LOOP;
END $$;

-- The outbox (events a service has committed to send, one delivery row per
-- subscriber) and the inbox (event ids it has applied), in every schema.
CREATE OR REPLACE FUNCTION candour_admin.create_bus_tables(s text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($sql$
    CREATE TABLE IF NOT EXISTS %1$I.outbox (
      seq            bigserial PRIMARY KEY,
      event_id       uuid NOT NULL UNIQUE,
      type           text NOT NULL,
      complaint_ref  text NOT NULL DEFAULT '',
      correlation_id text NOT NULL DEFAULT '',
      causation_id   text NOT NULL DEFAULT '',
      occurred_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
      schema_version integer NOT NULL DEFAULT 1,
      payload        bytea NOT NULL
    );
    CREATE TABLE IF NOT EXISTS %1$I.outbox_delivery (
      seq             bigint NOT NULL REFERENCES %1$I.outbox (seq),
      subscriber      text NOT NULL,
      event_id        uuid NOT NULL,
      complaint_ref   text NOT NULL DEFAULT '',
      attempts        integer NOT NULL DEFAULT 0,
      naks            integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_attempt_at timestamptz,
      delivered_at    timestamptz,
      dead_at         timestamptz,
      last_error      text,
      PRIMARY KEY (seq, subscriber)
    );
    CREATE INDEX IF NOT EXISTS outbox_delivery_due
      ON %1$I.outbox_delivery (next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
    CREATE INDEX IF NOT EXISTS outbox_delivery_order
      ON %1$I.outbox_delivery (subscriber, complaint_ref, seq) WHERE delivered_at IS NULL;
    CREATE INDEX IF NOT EXISTS outbox_delivery_event
      ON %1$I.outbox_delivery (subscriber, event_id) WHERE delivered_at IS NULL;
    -- Fails the transaction (SQLSTATE P0002) unless ok: lets one pipelined
    -- transaction say "only if the previous statement changed a row".
    CREATE OR REPLACE FUNCTION %1$I.expect(ok boolean, msg text) RETURNS boolean
    LANGUAGE plpgsql AS $x$
    BEGIN
      IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'P0002', MESSAGE = msg;
      END IF;
      RETURN true;
    END
    $x$;
    CREATE TABLE IF NOT EXISTS %1$I.inbox (
      event_id      uuid PRIMARY KEY,
      type          text NOT NULL,
      producer      text NOT NULL,
      complaint_ref text NOT NULL DEFAULT '',
      applied_at    timestamptz NOT NULL DEFAULT now()
    );
  $sql$, s);
END
$fn$;

-- Grants, re-applied by `candourctl migrate` after every run so tables added
-- by later migrations are covered: DML on the service's own schema, nothing else.
CREATE OR REPLACE FUNCTION candour_admin.grant_service(s text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', s, 'candour_' || s);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', s, 'candour_' || s);
  EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', s, 'candour_' || s);
END
$fn$;

SELECT candour_admin.create_bus_tables(s)
  FROM unnest(ARRAY['intake', 'routing', 'investigation', 'signoff', 'notify']) AS s;

-- Set a service role's password from a parameter (candourctl migrate), so the
-- secret is never pasted into SQL text by the caller.
CREATE OR REPLACE FUNCTION candour_admin.set_password(s text, pw text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('ALTER ROLE %I PASSWORD %L', 'candour_' || s, pw);
END
$fn$;
