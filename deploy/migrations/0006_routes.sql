-- 0006: the routing table, as data (DOMAIN.md R1). For each organisation that
-- receives complaints (org_id), which services it answers for, who
-- commissions each (an ICB, NHS England, a local authority) and who provides
-- it, from when to when. Responsibility moves by date, not by release: since
-- 1 July 2023 complaints about primary care made to the commissioner go to
-- ICBs, so a GP service has one row with NHS England as commissioner up to
-- 2023-07-01 and one with the ICB from then. Loaded with
-- `candourctl routes import` (all rows of a file in one transaction), read by
-- routing (see routing.route_on).

-- The exclusion constraint below needs equality on text in a GiST index.
-- btree_gist ships with the server (Debian's postgresql-15) and is a trusted
-- extension, so a database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE routing.route (
  id             bigserial PRIMARY KEY,
  -- the body whose table this is: the one receiving complaints
  org_id         text NOT NULL CHECK (org_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  -- a service code, e.g. acute-surgery, chc, gp-practice
  service        text NOT NULL CHECK (service ~ '^[A-Za-z0-9._-]{1,64}$'),
  service_name   text NOT NULL CHECK (length(service_name) BETWEEN 1 AND 200),
  kind           text NOT NULL CHECK (kind IN ('nhs-acute', 'community', 'mental-health',
                   'primary-care', 'continuing-healthcare', 'specialised', 'health-and-justice',
                   'armed-forces', 'public-health', 'adult-social-care')),
  commissioner   text NOT NULL CHECK (commissioner ~ '^[A-Za-z0-9._-]{1,64}$'),
  provider       text NOT NULL CHECK (provider ~ '^[A-Za-z0-9._-]{1,64}$'),
  -- what NHS England commissions directly by kind of service (since 1 July
  -- 2023). The commissioner column says who commissions this row: trust it,
  -- not this flag, where a kind is delegated (e.g. specialised services
  -- delegated to an ICB).
  nhse_direct    boolean GENERATED ALWAYS AS (kind IN ('specialised', 'health-and-justice',
                   'armed-forces', 'public-health')) STORED,
  effective_from date NOT NULL,
  effective_to   date,                       -- exclusive; NULL: until further notice
  imported_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (effective_to > effective_from),
  -- One row per organisation and service on any one day.
  CONSTRAINT route_one_per_day EXCLUDE USING gist (
    org_id WITH =, service WITH =, daterange(effective_from, effective_to, '[)') WITH &&)
);

-- The rows in force on day d (effective_from <= d < effective_to).
CREATE FUNCTION routing.route_on(d date) RETURNS SETOF routing.route
LANGUAGE sql STABLE AS $$
  SELECT * FROM routing.route
   WHERE daterange(effective_from, effective_to, '[)') @> d
$$;
