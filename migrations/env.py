"""Alembic environment: the URL comes from the Config (set by ``idp db upgrade``) or from
IDP_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from idp.config import Settings
from idp.store.database import make_engine
from idp.store.models import Base

url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
