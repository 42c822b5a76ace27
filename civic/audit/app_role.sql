-- Privileges of Civic's app role (README, "Production database roles").
--
-- Run as the owner role (the one that runs `flask db upgrade`), in the app's database,
-- after every upgrade: it is idempotent, and tables a new migration adds get their
-- grants only when it runs. The app role then cannot change or remove the audit log:
-- on audit_entry it may only SELECT and INSERT (no UPDATE, DELETE or TRUNCATE), and as
-- it owns nothing it cannot ALTER a table or disable its triggers.
-- tests/audit/test_db_role.py runs this file against PostgreSQL with another role name.

GRANT USAGE ON SCHEMA public TO civic_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO civic_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO civic_app;

-- the log: read and append, nothing else
REVOKE ALL ON audit_entry FROM civic_app;
GRANT SELECT, INSERT ON audit_entry TO civic_app;

-- private acts waiting for their shuffled batch: a queue, not the log
REVOKE ALL ON audit_pending FROM civic_app;
GRANT SELECT, INSERT, DELETE ON audit_pending TO civic_app;

-- receipt codes no longer counted (replaced or voided): kept, never changed or removed
REVOKE ALL ON retired_receipt FROM civic_app;
GRANT SELECT, INSERT ON retired_receipt TO civic_app;

-- frozen downloads (a frozen round's results and ballots files): stored once, served as stored
REVOKE ALL ON frozen_download FROM civic_app;
GRANT SELECT, INSERT ON frozen_download TO civic_app;

-- the schema's version belongs to migrations
REVOKE ALL ON alembic_version FROM civic_app;
GRANT SELECT ON alembic_version TO civic_app;

-- stored tile hashes: written by the append that completes each subtree, never changed
REVOKE ALL ON audit_tile_node FROM civic_app;
GRANT SELECT, INSERT ON audit_tile_node TO civic_app;

-- signed checkpoints and witnesses' cosignatures: made and received, never changed
REVOKE ALL ON audit_checkpoint FROM civic_app;
GRANT SELECT, INSERT ON audit_checkpoint TO civic_app;
REVOKE ALL ON audit_cosignature FROM civic_app;
GRANT SELECT, INSERT ON audit_cosignature TO civic_app;
