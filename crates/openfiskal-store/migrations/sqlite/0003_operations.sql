-- Operations (api.md §7). Replaces the placeholder table of 0002, which no endpoint ever filled.
DROP TABLE operations;

CREATE TABLE operations (
    id                      TEXT PRIMARY KEY,
    organization_id         TEXT NOT NULL REFERENCES organizations (id),
    location_id             TEXT NOT NULL,
    register_id             TEXT NOT NULL REFERENCES registers (id),
    fiscal_unit_id          TEXT NOT NULL REFERENCES fiscal_units (id),
    type                    TEXT NOT NULL,
    state                   TEXT NOT NULL CHECK (state IN ('open', 'completed', 'cancelled')),
    fiscal_state            TEXT NOT NULL CHECK (fiscal_state IN ('pending', 'succeeded', 'failed')),
    client_operation_id     TEXT,
    client_fingerprint      BLOB,
    external_id             TEXT,
    sequence_number         BIGINT NOT NULL,
    cashier                 TEXT NOT NULL,
    refs                    TEXT NOT NULL,
    data                    TEXT NOT NULL,
    fiscal                  TEXT NOT NULL,
    warnings                TEXT NOT NULL,
    metadata                TEXT NOT NULL,
    closing_id              TEXT,
    resource_version        BIGINT NOT NULL,
    occurred_at             BIGINT,
    completed_occurred_at   BIGINT,
    started_at              BIGINT NOT NULL,
    completed_at            BIGINT,
    cancelled_at            BIGINT,
    cancellation_reason     TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    UNIQUE (register_id, sequence_number)
);
CREATE UNIQUE INDEX operations_client_id ON operations (organization_id, client_operation_id)
    WHERE client_operation_id IS NOT NULL;
CREATE INDEX operations_open ON operations (register_id, state, started_at);
CREATE INDEX operations_unit_open ON operations (fiscal_unit_id, state);

-- Gapless per-register operation sequence (api.md §7.2 `sequence_number`).
ALTER TABLE registers ADD COLUMN operation_sequence BIGINT NOT NULL DEFAULT 0;

-- Gapless per-register receipt counter (DSFinV-K BON_NR; api.md §9.2 `document_number`).
ALTER TABLE registers ADD COLUMN receipt_counter BIGINT NOT NULL DEFAULT 0;
