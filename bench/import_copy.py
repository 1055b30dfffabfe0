"""Benchmark, run by hand (never in the test suite): `python bench/import_copy.py [--rows N]`.

Times flyrun's PostgreSQL import task (runner/data/flyrun_import.rake) on a realistic table:
a temporary PostgreSQL cluster, a Rails 6.1 app generated offline with Debian's Rails, an
`orders` table of 13 columns (bigint, strings, text, decimal, boolean, datetimes, jsonb, uuid)
filled with N rows by generate_series, then `bin/rails flyrun:import_postgres` into a fresh
SQLite file. Prints a Markdown table: the task's own time (schema load, copy, read-back,
compare; from its record) and seconds per 100k rows. Needs what the end-to-end tests need
(ruby, ruby-rails, ruby-pg, ruby-bundler, postgresql)."""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.e2e.pg_cluster import Cluster
    from tests.e2e.rails_app import Template

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

MIGRATION = """\
class CreateOrders < ActiveRecord::Migration[6.1]
  def change
    create_table :orders do |t|
      t.bigint :customer_id, null: false
      t.string :number, null: false
      t.string :status, null: false, default: "new"
      t.decimal :total, precision: 10, scale: 2
      t.string :currency, limit: 3
      t.text :notes
      t.boolean :paid, null: false, default: false
      t.datetime :placed_at
      t.jsonb :metadata, null: false, default: {}
      t.uuid :token
      t.timestamps
    end
    add_index :orders, :number, unique: true
    add_index :orders, :customer_id
  end
end
"""

FILL = """\
INSERT INTO orders (customer_id, number, status, total, currency, notes, paid, placed_at,
                    metadata, token, created_at, updated_at)
SELECT i % 5000, 'ORD-' || i, (ARRAY['new', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       round((random() * 10000)::numeric, 2), 'EUR',
       CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('note ' || i || ' ', 1 + i % 7) END,
       i % 2 = 0, now() - (i || ' minutes')::interval,
       jsonb_build_object('source', 'web', 'items', i % 9, 'tags', jsonb_build_array('a', i)),
       gen_random_uuid(), now(), now()
FROM generate_series(1, {rows}) AS i;
"""


def build(root: Path, rows: int) -> tuple[Cluster, Template]:
    from runner.importer import RAKE_PATH, rake_text
    from tests.e2e import pg_cluster
    from tests.e2e.rails_app import clean_env, generate_template, must, run

    (root / "template").mkdir()
    template = generate_template(root / "template")
    cluster = pg_cluster.start()
    app = root / "app"
    shutil.copytree(template.app, app, symlinks=True)
    with (app / "Gemfile").open("a", encoding="utf-8") as gemfile:
        gemfile.write('gem "pg", "~> 1.1"\n')
    env = clean_env(template.home)
    must(run(["bundle", "install", "--local"], cwd=app, env=env))
    (app / "db" / "migrate").mkdir(parents=True, exist_ok=True)
    (app / "db" / "migrate" / "20240101000000_create_orders.rb").write_text(MIGRATION)
    (app / RAKE_PATH).write_text(rake_text(), encoding="utf-8")
    url = cluster.url("bench")
    must(run(["bin/rails", "db:create", "db:migrate"], cwd=app, env={**env, "DATABASE_URL": url}))
    cluster.sql("bench", FILL.format(rows=rows))
    return cluster, template


def measure(root: Path, rows: int, runs: int) -> list[tuple[float, float]]:
    """(task seconds from the record, wall seconds of the whole boot) per run."""
    from runner.importer import SOURCE_ENV, TASK, parse_record
    from tests.e2e import pg_cluster
    from tests.e2e.rails_app import clean_env, must, production_env, run

    cluster, template = build(root, rows)
    samples = []
    try:
        for number in range(runs):
            volume = root / f"volume{number}"
            volume.mkdir()
            env = production_env(f"sqlite3://{volume}/production.sqlite")
            env[SOURCE_ENV] = cluster.url("bench")
            start = time.perf_counter()
            must(run(["bin/rails", TASK], cwd=root / "app", env=clean_env(template.home, env)))
            wall = time.perf_counter() - start
            record_file = volume / "production.sqlite.flyrun-import.json"
            data = json.loads(record_file.read_text(encoding="utf-8"))
            record = parse_record(record_file.read_text(encoding="utf-8"))
            assert record.ok and sum(t.postgres_rows for t in record.tables) >= rows
            samples.append((float(data["seconds"]), wall))
    finally:
        pg_cluster.stop(cluster)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flyrun-import-bench-") as folder:
        samples = measure(Path(folder), args.rows, args.runs)
    per = 100_000 / args.rows
    print(f"machine: {platform.machine()}, {platform.python_version()}, rows: {args.rows}")
    print("| run | task s | boot + task s | task s per 100k rows |")
    print("| --- | --- | --- | --- |")
    for number, (task, wall) in enumerate(samples, start=1):
        print(f"| {number} | {task:.1f} | {wall:.1f} | {task * per:.1f} |")


if __name__ == "__main__":
    main()
