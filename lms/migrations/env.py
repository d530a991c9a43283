"""Alembic environment: runs migrations on the app's engine with the models' metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", database.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    """Emit SQL to stdout instead of running it (`lms db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=database.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context_, revision, directives):
        # `lms db migrate` with no model change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = current_app.extensions["migrate"].configure_args
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename). With foreign keys on, dropping the old
            # table would run its ON DELETE CASCADE and delete the rows that refer to it (a trainee's
            # completions when `activities` is rebuilt). The pragma only takes effect outside a
            # transaction, so it goes straight to the driver; the keys are checked after the upgrade.
            _driver_pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=database.metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the upgrade left rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _driver_pragma(connection, "PRAGMA foreign_keys=ON")


def _driver_pragma(connection, pragma: str) -> None:
    cursor = connection.connection.dbapi_connection.cursor()
    cursor.execute(pragma)
    cursor.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
