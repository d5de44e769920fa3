# SQL that aerich cannot derive from the models, appended to the first migration.
INIT_EXTRA = {
    "sqlite": """
CREATE TRIGGER IF NOT EXISTS "audit_entry_append_only_update" BEFORE UPDATE ON "audit_entry"
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER IF NOT EXISTS "audit_entry_append_only_delete" BEFORE DELETE ON "audit_entry"
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
""",
    "postgres": """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit entries are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "audit_entry_append_only" BEFORE UPDATE OR DELETE ON "audit_entry"
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
""",
}
