-- Foundation: tenancy, credentials, idempotency (api.md §2, §4, §1.9).
-- Portable types: BIGINT for counters and timestamps (Unix µs), TEXT for ids, enums and JSON,
-- BYTEA for hashes and stored bytes. SQLite has the same version with BLOB.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    legal_name  TEXT NOT NULL,
    trade_name  TEXT,
    country     TEXT NOT NULL,
    tax_id      TEXT,
    tax_number  TEXT,
    address     TEXT NOT NULL,
    metadata    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX organizations_created ON organizations (created_at, id);

CREATE TABLE locations (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX locations_org_created ON locations (organization_id, created_at, id);

-- Every credential: setup tokens, platform, organization and register keys. Only SHA-256 of the
-- full key is stored.
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('setup', 'platform', 'organization', 'register')),
    mode            TEXT CHECK (mode IN ('live', 'test')),
    organization_id TEXT REFERENCES organizations (id),
    register_id     TEXT,
    key_hash        BYTEA NOT NULL UNIQUE,
    masked          TEXT NOT NULL,
    label           TEXT,
    description     TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    used_at         BIGINT,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX api_keys_list ON api_keys (kind, organization_id, created_at, id);

-- Stored responses of requests that committed a change, written in the same transaction.
CREATE TABLE idempotency_keys (
    scope_hash      BYTEA PRIMARY KEY,
    organization_id TEXT,
    fingerprint     BYTEA NOT NULL,
    status          BIGINT NOT NULL,
    headers         TEXT NOT NULL,
    body            BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
