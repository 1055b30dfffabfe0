"""A Postgres-backed Rails app on the simulator, for the import tests: the bundled example app
with `pg` in its bundle, a PostgreSQL db/schema.rb and `import_data` in its spec; its Fly
account has the Postgres DATABASE_URL secret (what `fly postgres attach` sets), one started
machine, and a boot command standing in for the import (runner/simulator/pg_import.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from runner.simulator.pg_import import boot_command
from runner.simulator.state import add_secret, set_boot_command
from tests.cli.harness import FlyApp, make_app

PASSWORD = "Sup3r-s3cret-pw0"
USER = "shop_owner_7x"
URL = f"postgres://{USER}:{PASSWORD}@shop-db.flycast:5432/shop_production?sslmode=disable"
SQLITE = "sqlite3:///mnt/shop_data/production.sqlite"
TABLES = {"users": 3, "orders": 5}
SCHEMA = Path(__file__).parent / "fixtures" / "pg_schema.rb"


def servers(app: FlyApp, **server: Any) -> Path:
    """The "PostgreSQL servers" the stand-in import reaches: URL → tables (or a failure)."""
    path = app.root / "postgres.json"
    path.write_text(json.dumps({URL: {"tables": TABLES, **server}}))
    return path


def make_pg_app(tmp_path: Path, *, url_env: str | None = None, **server: Any) -> FlyApp:
    app = make_app(tmp_path)
    folder = app.app_dir
    gemfile = folder / "Gemfile"
    gemfile.write_text(
        gemfile.read_text().replace('gem "sqlite3"', 'gem "pg", "~> 1.1"\ngem "sqlite3"')
    )
    lock = folder / "Gemfile.lock"
    text = lock.read_text()
    text = text.replace("    puma (", "    pg (1.4.5)\n    puma (", 1)
    text = text.replace("  puma (", "  pg (~> 1.1)\n  puma (", 1)
    lock.write_text(text)
    (folder / "db").mkdir()
    shutil.copy(SCHEMA, folder / "db" / "schema.rb")
    extra = f", url_env: {url_env}" if url_env else ""
    with app.spec.open("a") as spec:
        spec.write(f"import_data: {{from: postgres{extra}}}\n")
    state = app.state
    add_secret(state, "shop", "DATABASE_URL", URL)
    set_boot_command(state, "shop", boot_command(servers(app, **server)))
    app.edit_state(state)
    return app


def volume_file(app: FlyApp, name: str) -> Path:
    """A file on the app's volume (host path)."""
    from runner.simulator.state import volume_path

    volume = app.state["apps"]["shop"]["volumes"][0]["id"]
    return volume_path(app.state_path, volume) / name
