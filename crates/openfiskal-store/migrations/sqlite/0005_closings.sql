-- Closings (api.md §10). 0004 is reserved for the operations issue.
CREATE TABLE closings (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    location_id      TEXT NOT NULL,
    register_id      TEXT NOT NULL REFERENCES registers (id),
    fiscal_unit_id   TEXT NOT NULL REFERENCES fiscal_units (id),
    type             TEXT NOT NULL CHECK (type IN ('daily', 'shift', 'monthly', 'annual')),
    trigger          TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'safety', 'counter_exhausted', 'decommission')),
    state            TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'transmitted', 'failed')),
    -- Local date (YYYY-MM-DD) of the period's last instant in the location's time zone.
    business_date    TEXT NOT NULL,
    period_from      BIGINT NOT NULL,
    period_to        BIGINT NOT NULL,
    -- DE daily closings: DSFinV-K Z_NR, also inside `fiscal`; NULL otherwise.
    z_number         BIGINT,
    summary          TEXT NOT NULL,
    fiscal           TEXT,
    error            TEXT,
    metadata         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    completed_at     BIGINT
);
CREATE INDEX closings_register ON closings (register_id, created_at, id);
CREATE INDEX closings_register_type_end ON closings (register_id, type, period_to);
-- One monthly or annual closing per register and period (api.md §10).
CREATE UNIQUE INDEX closings_one_per_period ON closings (register_id, type, period_from)
    WHERE type IN ('monthly', 'annual');
-- A Z number is never used twice on a register.
CREATE UNIQUE INDEX closings_z_number ON closings (register_id, z_number) WHERE z_number IS NOT NULL;

-- Gapless per-register DSFinV-K Z_NR, advanced with a guarded update in the closing's transaction.
ALTER TABLE registers ADD COLUMN z_counter BIGINT NOT NULL DEFAULT 0;

-- What a closing reads: operations of a register that ended in a period, and those no daily
-- closing covers yet.
CREATE INDEX operations_register_completed ON operations (register_id, completed_at)
    WHERE completed_at IS NOT NULL;
CREATE INDEX operations_register_cancelled ON operations (register_id, cancelled_at)
    WHERE cancelled_at IS NOT NULL;
CREATE INDEX operations_uncovered ON operations (register_id) WHERE closing_id IS NULL AND state <> 'open';
