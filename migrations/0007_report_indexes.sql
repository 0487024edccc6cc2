-- Reports and the five-minute metrics job filter by time.
CREATE INDEX generations_created_idx ON generations (created_at);
CREATE INDEX generations_completed_idx ON generations (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX ledger_created_idx ON ledger (created_at);
CREATE INDEX payments_created_idx ON payments (created_at);
