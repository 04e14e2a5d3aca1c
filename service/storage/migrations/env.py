"""Alembic environment: always run with a connection handed in by service.storage.database.upgrade.

There is no alembic.ini: the service migrates itself at start-up and ``imnm-cds db upgrade`` does the same.
"""

from alembic import context

from service.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running the alembic CLI by hand
    raise RuntimeError("run migrations with `imnm-cds db upgrade`, which supplies the database connection")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
