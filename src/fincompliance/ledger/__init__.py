"""The open-source ledger (台账): every recorded scan, the lifecycle of every package, and a
hash chain over both (SQLAlchemy; SQLite by default, PostgreSQL for a shared ledger)."""
