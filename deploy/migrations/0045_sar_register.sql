-- 0045_sar_register.sql - the register of subject access exports (UK GDPR
-- Art. 15; issue 16): one row per file `candourctl sar` wrote, saying who
-- made it, when, how the person was found, how many complaints it holds and
-- the file's SHA-256, so that what was disclosed can be shown later.
--
-- The register holds no personal data of the person asked about: the
-- criteria are kept as references only (the complaint references given or
-- matched, a staff id); a name, postcode or e-mail address used to find them
-- is never stored, only that such a match was made (method).

CREATE TABLE IF NOT EXISTS candour_admin.sar_export (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL CHECK (length(actor) > 0), -- "Name (ST12)" or "ops: <login>"
  acting      text,                                     -- their staff id, NULL for ops
  org_id      text,                                     -- the body it was limited to, NULL: all
  method      text NOT NULL CHECK (method IN ('reference', 'email', 'name-postcode', 'staff')),
  refs_given  text[] NOT NULL DEFAULT '{}',             -- --reference values, as given
  refs        text[] NOT NULL DEFAULT '{}',             -- the complaints the file holds
  staff_id    text,                                     -- --staff: whose record
  complaints  integer NOT NULL CHECK (complaints >= 0),
  bytes       bigint NOT NULL CHECK (bytes > 0),
  sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  CHECK (complaints = cardinality(refs)),
  CHECK ((method = 'staff') = (staff_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS sar_export_at ON candour_admin.sar_export (at);

-- Audited like the services' tables (0016, 0043): the row, who wrote it
-- (candour.actor) and the chain of hashes, in candour_admin.audit.
SELECT candour_admin.create_audit('candour_admin', ARRAY['sar_export']);
