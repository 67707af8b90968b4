"""The shared database: staff accounts, their sessions, failed-login counts and the audit log.

SQLite by default (embedded, nothing to start); PostgreSQL when DATABASE_URL says so, so that several app
replicas share logins and the audit trail. The schema is created and upgraded by Alembic migrations
(store/migrations), never by hand, so an upgrade keeps every row.
"""
