"""Marathon: the manager for Amnesty International's letter-writing marathon."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import marathon.accounts.loader
import marathon.models  # noqa: F401  (every table known before migrations or create_all)
from marathon.accounts import views as accounts_views
from marathon.api import counter_views
from marathon.api import views as api_views
from marathon.batches import views as batches_views
from marathon.board import views as board_views
from marathon.cases import views as cases_views
from marathon.catalogue_admin import views as catalogue_admin_views
from marathon.cli import register_cli
from marathon.config import load_config
from marathon.database import configure_sqlite, engine_options
from marathon.events import views as events_views
from marathon.extensions import babel, csrf, db, login_manager, migrate
from marathon.health import blueprint as health_blueprint
from marathon.i18n import init_i18n
from marathon.letters import views as letters_views
from marathon.outcomes import views as outcomes_views
from marathon.privacy import views as privacy_views
from marathon.reports import views as reports_views
from marathon.web import init_web

# Every page's blueprint, registered in this order.
BLUEPRINTS = (
    cases_views.blueprint,
    letters_views.blueprint,
    events_views.blueprint,
    board_views.blueprint,
    accounts_views.blueprint,
    batches_views.blueprint,
    reports_views.blueprint,
    outcomes_views.blueprint,
    api_views.blueprint,
    counter_views.blueprint,
    privacy_views.blueprint,
    catalogue_admin_views.blueprint,
    health_blueprint,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``test_config`` replaces the instance file and the environment."""
    app = Flask(__name__, instance_path=_instance_path(test_config))
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    Path(app.config["STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)
    if app.config["PROXY_HOPS"]:
        # Behind a reverse proxy: the client's address (login limits) and scheme come from it.
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _init_extensions(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_cli(app)
    return app


def _instance_path(test_config: dict[str, Any] | None) -> str:
    # The project's own instance/ folder (not the package's), as the layout says.
    if test_config and test_config.get("INSTANCE_PATH"):
        return str(test_config["INSTANCE_PATH"])
    if os.environ.get("MARATHON_INSTANCE_PATH"):
        return os.environ["MARATHON_INSTANCE_PATH"]
    return str(Path(__file__).resolve().parent.parent / "instance")


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            configure_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    init_i18n(app, babel)
    init_web(app)
