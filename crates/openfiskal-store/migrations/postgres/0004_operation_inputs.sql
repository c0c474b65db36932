-- Operations of every type (api.md §7.4): the merged type-specific input of the open operation
-- (what PATCH and complete merge into), the referenced original as a column (refund, void,
-- exchange, deposit capture eligibility), and the receipt's issuer snapshot taken at completion
-- (api.md §11: later organization or location changes do not alter a receipt).
ALTER TABLE operations ADD COLUMN inputs TEXT NOT NULL DEFAULT '{}';
ALTER TABLE operations ADD COLUMN original_operation_id TEXT;
ALTER TABLE operations ADD COLUMN issuer TEXT;
CREATE INDEX operations_original ON operations (original_operation_id) WHERE original_operation_id IS NOT NULL;
