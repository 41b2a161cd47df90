"""Alembic environment: fincomp passes its own connection in (ledger/store.py)."""

from alembic import context

from fincompliance.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
