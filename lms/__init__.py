"""The LMS application factory."""

import os
from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def asset_dir(name: str, packaged_as: str | None = None) -> str:
    """A top-level folder (templates/, static/, courses/) in a source checkout; inside the package
    in a wheel, where pyproject.toml's force-include puts it."""
    in_checkout = PACKAGE_DIR.parent / name
    return str(in_checkout if in_checkout.is_dir() else PACKAGE_DIR / (packaged_as or name))


def _load_config(app: Flask, test_config: dict | None) -> None:
    """Defaults -> instance/config.py -> LMS_* environment variables -> test_config."""
    app.config.from_object("lms.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("TRANSLATIONS_DIR", PACKAGE_DIR / "translations")
    database_url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config["DATABASE_URL"]
    if not database_url:
        database_url = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_driver(database_url)
    from lms.security import configure_cookie_security

    configure_cookie_security(app)


def _with_driver(url: str) -> str:
    """postgresql:// URLs use psycopg 3, the driver the [postgres] extra installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _refuse_default_secret(app: Flask) -> None:
    from lms.config import DEFAULT_SECRET_KEY

    if not (app.debug or app.testing) and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError(
            "Refusing to start with the default secret key. Run `lms init`, which writes a random "
            "SECRET_KEY to instance/config.py, or set the LMS_SECRET_KEY environment variable."
        )


def instance_path_for(test_config: dict | None = None) -> Path:
    """test_config's INSTANCE_PATH, else LMS_INSTANCE_PATH, else ./instance."""
    path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH") or "instance"
    return Path(path).resolve()


# Each feature package holds a blueprint; its views module attaches the routes to it.
FEATURES = (
    "core",
    "auth",
    "admin",
    "enterprises",
    "courses",
    "authoring",
    "quizzes",
    "assignments",
    "surveys",
    "scorm",
    "forums",
    "progress",
    "certificates",
    "classroom",
    "notifications",
    "announcements",
    "exports",
)


def register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for feature in FEATURES:
        import_module(f"lms.{feature}.views")
        app.register_blueprint(import_module(f"lms.{feature}").bp)

    from lms.core.views import register_error_pages, register_template_helpers

    register_error_pages(app)
    register_template_helpers(app)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_path_for(test_config)),
        instance_relative_config=True,
        template_folder=asset_dir("templates"),
        static_folder=asset_dir("static"),
    )
    _load_config(app, test_config)
    _refuse_default_secret(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from lms.assets import init_assets
    from lms.db import db
    from lms.i18n import init_i18n
    from lms.jobs import init_jobs
    from lms.links import init_links
    from lms.migrate import init_migrations
    from lms.security import init_security
    from lms.url_cache import init_url_cache

    init_links(app)
    db.init_app(app)
    init_migrations(app)
    init_i18n(app)
    init_security(app)
    init_assets(app)
    init_url_cache(app)
    init_jobs(app)

    register_blueprints(app)

    from lms.cli import register_commands

    register_commands(app)
    return app
