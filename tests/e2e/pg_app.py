"""The Rails app of the PostgreSQL import tests: a copy of the session's generated Rails 6.1
app with the pg gem, models covering every type the import maps (tests/e2e/pg_app/), flyrun's
import task in lib/tasks, and a few thousand seeded rows in a database of a temporary cluster.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

from runner.importer import RAKE_PATH, SOURCE_ENV, TASK, rake_text
from tests.e2e.pg_cluster import Cluster
from tests.e2e.rails_app import Template, clean_env, must, production_env, run

FILES = Path(__file__).parent / "pg_app"
SOURCE_DB = "flyrun_src"
GEM_PG = 'gem "pg", "~> 1.1"\n'
MODELS = {
    "author": "class Author < ApplicationRecord\n  has_many :posts\nend\n",
    "post": (
        "class Post < ApplicationRecord\n  belongs_to :author\n  has_many :comments\n"
        "  has_and_belongs_to_many :tags\nend\n"
    ),
    "comment": (
        "class Comment < ApplicationRecord\n  belongs_to :post\n"
        '  belongs_to :parent, class_name: "Comment", optional: true\nend\n'
    ),
    "tag": "class Tag < ApplicationRecord\n  has_and_belongs_to_many :posts\nend\n",
    "device": "class Device < ApplicationRecord\nend\n",
}
# Rows the seed writes per model (posts_tags: 3000 random pairs less duplicates; memberships,
# no model, composite key: 1100).
SEEDED = {"authors": 400, "posts": 2500, "comments": 2000, "tags": 40, "devices": 1200}


@dataclass(frozen=True)
class PgApp:
    folder: Path
    home: Path
    cluster: Cluster

    def rails(self, *args: str, env: Mapping[str, str]) -> CompletedProcess[str]:
        return run(["bin/rails", *args], cwd=self.folder, env=clean_env(self.home, env))

    def production(self, volume: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The boot environment on SQLite in `volume`, plus `extra`."""
        return {**production_env(f"sqlite3://{volume}/production.sqlite"), **(extra or {})}

    def import_into(
        self, volume: Path, source: str | None = SOURCE_DB, **extra: str
    ) -> CompletedProcess[str]:
        """`bin/rails flyrun:import_postgres` booting on SQLite in `volume`, the source URL
        set to database `source` of the cluster (unset when None)."""
        env = self.production(volume, extra)
        if source is not None:
            env[SOURCE_ENV] = self.cluster.url(source)
        return self.rails(TASK, env=env)


def build(template: Template, root: Path, cluster: Cluster) -> PgApp:
    """Copy the template to `root/pgapp`, add pg, the models, the migration, the seed and the
    import task; create, migrate (which dumps db/schema.rb from PostgreSQL) and seed."""
    folder = root / "pgapp"
    shutil.copytree(template.app, folder, symlinks=True)
    with (folder / "Gemfile").open("a", encoding="utf-8") as gemfile:
        gemfile.write(GEM_PG)
    must(run(["bundle", "install", "--local"], cwd=folder, env=clean_env(template.home)))
    for name, text in MODELS.items():
        (folder / "app" / "models" / f"{name}.rb").write_text(text, encoding="utf-8")
    migrate = folder / "db" / "migrate"
    migrate.mkdir(parents=True, exist_ok=True)
    shutil.copy(FILES / "migration.rb", migrate / "20240101000001_create_everything.rb")
    shutil.copy(FILES / "seed.rb", folder / "db" / "seeds.rb")
    (folder / RAKE_PATH).write_text(rake_text(), encoding="utf-8")
    app = PgApp(folder, template.home, cluster)
    must(
        app.rails(
            "db:create", "db:migrate", "db:seed", env={"DATABASE_URL": cluster.url(SOURCE_DB)}
        )
    )
    return app


def sqlite_rows(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
