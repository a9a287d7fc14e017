-- 0004: the allow-list of the external bus API. An organisation (ICB, CSU,
-- trust, local authority) is admitted by its CURVE public keys; intake's ZAP
-- handler reads intake.org_key at every handshake and the request path reads
-- it again per request, so a revoked key is refused at once. Keys are never
-- deleted: a revocation keeps the row, with when and why. The server's own
-- key pair is configuration (a secret), not data, and is not here.
-- Managed with `candourctl org add|list|revoke`.

CREATE TABLE intake.organisation (
  org_id     text PRIMARY KEY CHECK (org_id ~ '^[A-Za-z0-9._-]{1,64}$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE intake.org_key (
  -- Z85 of the 32-byte CURVE public key: exactly 40 characters of Z85's alphabet.
  public_key     text PRIMARY KEY
                 CHECK (public_key ~ '^[0-9a-zA-Z.:+=^!/*?&<>()@%$#{}\[\]-]{40}$'),
  org_id         text NOT NULL REFERENCES intake.organisation (org_id),
  added_at       timestamptz NOT NULL DEFAULT now(),
  revoked_at     timestamptz,
  revoked_reason text,
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX org_key_org ON intake.org_key (org_id);
