-- Registers, fiscal units, their keys and journal, sandbox faults (api.md §5, §6, §15).

CREATE TABLE registers (
    id                          TEXT PRIMARY KEY,
    organization_id             TEXT NOT NULL REFERENCES organizations (id),
    location_id                 TEXT NOT NULL REFERENCES locations (id),
    label                       TEXT NOT NULL,
    jurisdiction                TEXT NOT NULL CHECK (jurisdiction IN ('DE', 'AT', 'IT')),
    serial_number               TEXT,
    metadata                    TEXT NOT NULL,
    heartbeat_interval_seconds  BIGINT NOT NULL,
    device                      TEXT,
    state                       TEXT NOT NULL CHECK (state IN ('active', 'archived')),
    current_fiscal_unit_id      TEXT,
    archived_at                 BIGINT,
    last_heartbeat_at           BIGINT,
    last_heartbeat_sequence     BIGINT,
    self_reported_status        TEXT,
    clock_skew_seconds          BIGINT,
    heartbeat_metrics           TEXT,
    software                    TEXT,
    created_at                  BIGINT NOT NULL,
    updated_at                  BIGINT NOT NULL
);
CREATE INDEX registers_location ON registers (organization_id, location_id, created_at, id);

CREATE TABLE fiscal_units (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL REFERENCES organizations (id),
    register_id          TEXT NOT NULL REFERENCES registers (id),
    jurisdiction         TEXT NOT NULL CHECK (jurisdiction IN ('DE', 'AT', 'IT')),
    state                TEXT NOT NULL CHECK (state IN ('provisioning', 'active', 'error', 'decommissioned')),
    fiscal_registration  TEXT,
    configuration        TEXT NOT NULL,
    reason               TEXT,
    reason_code          TEXT,
    replaces             TEXT,
    replaced_by          TEXT,
    provisioned_at       BIGINT,
    decommissioned_at    BIGINT,
    metadata             TEXT NOT NULL,
    -- Gapless counters and chain state live on the unit's row (ARCHITECTURE.md §5).
    signature_counter    BIGINT NOT NULL DEFAULT 0,
    transaction_counter  BIGINT NOT NULL DEFAULT 0,
    chain_state          TEXT,
    state_changed_at     BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);
CREATE INDEX fiscal_units_register ON fiscal_units (register_id, created_at, id);
-- At most one current (not decommissioned) unit per register.
CREATE UNIQUE INDEX fiscal_units_one_current ON fiscal_units (register_id) WHERE state <> 'decommissioned';

-- Private keys, wrapped (AES-256-GCM under the key-encryption key, associated data
-- openfiskal:v1:{org}:{unit}:{purpose}); public keys and certificates in clear.
CREATE TABLE fiscal_unit_keys (
    fiscal_unit_id   TEXT NOT NULL REFERENCES fiscal_units (id),
    purpose          TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    wrapped          BLOB NOT NULL,
    public_key       BLOB,
    certificate      BLOB,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (fiscal_unit_id, purpose)
);

-- Installation-wide keys (the DE TSE CA, the IT sandbox CA), wrapped the same way.
CREATE TABLE installation_keys (
    purpose      TEXT PRIMARY KEY,
    wrapped      BLOB NOT NULL,
    certificate  BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE journal_entries (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    fiscal_unit_id   TEXT NOT NULL REFERENCES fiscal_units (id),
    counter          BIGINT NOT NULL,
    kind             TEXT NOT NULL,
    operation_id     TEXT,
    closing_id       TEXT,
    signed_at        BIGINT,
    signature        BLOB,
    record           BLOB NOT NULL,
    record_format    TEXT NOT NULL,
    hash             TEXT,
    fiscal           TEXT,
    created_at       BIGINT NOT NULL,
    UNIQUE (fiscal_unit_id, counter)
);

-- Operations: the columns registers and fiscal units need (open operations); the operations
-- issue adds the rest.
CREATE TABLE operations (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL,
    register_id      TEXT NOT NULL REFERENCES registers (id),
    fiscal_unit_id   TEXT REFERENCES fiscal_units (id),
    type             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('open', 'completed', 'cancelled')),
    started_at       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX operations_open ON operations (register_id, state, started_at);

CREATE TABLE sandbox_faults (
    fiscal_unit_id   TEXT NOT NULL REFERENCES fiscal_units (id),
    kind             TEXT NOT NULL,
    organization_id  TEXT NOT NULL,
    delay_ms         BIGINT,
    http_status      BIGINT,
    mode             TEXT,
    code             TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT,
    PRIMARY KEY (fiscal_unit_id, kind)
);
