"""locate_databases against Rails itself: Debian's ActiveRecord 6.1 renders each database.yml
with ERB under the same environment, builds its configurations
(`ActiveRecord::DatabaseConfigurations`, RAILS_ENV=production) and expands SQLite paths
against Rails.root as its sqlite3 adapter does; flyrun must name the same databases, in the
same order, with the same adapters and paths. (Litestack is not installed: its forms are
covered from its source in test_erb.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from runner.facts.database import locate_databases
from tests.facts.ruby import run_ruby

BUILD = """
require "erb"
require "yaml"
require "pathname"
module Rails  # what database.yml's ERB may call; ActiveRecord's config code never does
  def self.root = Pathname.new("/rails")
  def self.env = "production"
end
ENV["RAILS_ENV"] = "production"
NAMES = %w[DATABASE_URL PRIMARY_DATABASE_URL CACHE_DATABASE_URL QUEUE_DATABASE_URL
           SQLITE_PATH RAILS_MAX_THREADS MAIN_DATABASE_URL]
results = JSON.parse($stdin.read).map do |c|
  NAMES.each { |n| ENV.delete(n) }
  c["env"].each { |k, v| ENV[k] = v }
  begin
    data = YAML.unsafe_load(ERB.new(c["yml"]).result) || {}
    configs = ActiveRecord::DatabaseConfigurations.new(data).configs_for(env_name: "production")
    configs.map do |config|
      hash = config.configuration_hash
      db = hash[:database]
      db = File.expand_path(db, "/rails") if db && hash[:adapter] == "sqlite3"
      [config.name, hash[:adapter], hash[:adapter] == "sqlite3" ? db : nil]
    end
  rescue StandardError => e
    e.class.name
  end
end
puts JSON.generate(results)
"""
D = "default: &default\n  adapter: sqlite3\n  pool: <%= ENV.fetch('RAILS_MAX_THREADS') { 5 } %>\n"
MULTI = D + (
    "production:\n  primary:\n    <<: *default\n    database: storage/production.sqlite3\n"
    "  cache:\n    <<: *default\n    database: storage/production_cache.sqlite3\n"
    "  queue:\n    <<: *default\n    database: storage/production_queue.sqlite3\n"
)
TAP = (
    "    url: <%= URI.parse(ENV['DATABASE_URL']).tap { |url| url.path += '_NAME' } "
    "if ENV['DATABASE_URL'] %>\n"
)
DFR = MULTI.replace(
    "database: storage/production_cache.sqlite3\n",
    "database: storage/production_cache.sqlite3\n" + TAP.replace("NAME", "cache"),
)
PG = "postgres://shop:pw@db.internal:5432/shop"
CASES: list[tuple[str, dict[str, str]]] = [
    (D + "production:\n  <<: *default\n  database: /data/production.sqlite3\n", {}),
    (D + "production:\n  <<: *default\n  database: db/production.sqlite3\n", {}),
    (
        D + "production:\n  <<: *default\n  database: db/p.sqlite3\n",
        {"DATABASE_URL": "sqlite3:///mnt/v/p.sqlite"},
    ),
    (
        D + "production:\n  <<: *default\n  database: db/p.sqlite3\n",
        {"DATABASE_URL": "sqlite3:///a/a.sqlite", "PRIMARY_DATABASE_URL": "sqlite3:///b/b.sqlite"},
    ),
    (D + "production:\n  <<: *default\n  database: db/p.sqlite3\n", {"DATABASE_URL": PG}),
    (
        D + "production:\n  <<: *default\n  url: sqlite3:///pinned/p.sqlite3\n",
        {"DATABASE_URL": "sqlite3:///data/x.sqlite3"},
    ),
    (
        D + "production:\n  <<: *default\n  database: storage/p.sqlite3\n"
        "  url: <%= ENV['DATABASE_URL'] %>\n",
        {},
    ),
    (
        D + "production:\n  <<: *default\n  database: storage/p.sqlite3\n"
        "  url: <%= ENV['DATABASE_URL'] %>\n",
        {"DATABASE_URL": "sqlite3:relative/p.sqlite3"},
    ),
    (MULTI, {}),
    (
        MULTI,
        {
            "DATABASE_URL": "sqlite3:///data/p.sqlite3",
            "QUEUE_DATABASE_URL": "sqlite3:///data/q.sqlite3",
        },
    ),
    (MULTI.replace("  primary:", "  main:"), {"DATABASE_URL": "sqlite3:///data/p.sqlite3"}),
    (DFR, {}),
    (DFR, {"DATABASE_URL": "sqlite3:///data/production.sqlite3"}),
    (
        D + "production:\n  <<: *default\n"
        "  database: <%= ENV.fetch('SQLITE_PATH') { 'db/fallback.sqlite3' } %>\n",
        {},
    ),
    (
        D + "production:\n  <<: *default\n"
        "  database: <%= ENV.fetch('SQLITE_PATH', 'db/fallback.sqlite3') %>\n",
        {"SQLITE_PATH": "/data/from_env.sqlite3"},
    ),
    (
        D + "production:\n  <<: *default\n"
        "  database: <%= ENV['SQLITE_PATH'] || 'db/or.sqlite3' %>\n",
        {},
    ),
    (
        D + "production:\n  <<: *default\n"
        "  database: <%= Rails.root.join('storage', 'production.sqlite3') %>\n",
        {},
    ),
    (D + "production:\n  <<: *default\n  database: db/<%= Rails.env %>.sqlite3\n", {}),
    (
        D + "development:\n  <<: *default\n  database: db/dev.sqlite3\n",
        {"DATABASE_URL": "sqlite3:///data/only_url.sqlite3"},
    ),
    ("production: <%= ENV['DATABASE_URL'] %>\n", {"DATABASE_URL": "sqlite3:///data/s.sqlite3"}),
    ("production:\n  adapter: mysql2\n  database: shop\n", {}),
    (
        D + "production:\n  <<: [*default]\n  adapter: postgresql\n  database: shop\n",
        {"DATABASE_URL": "sqlite3:///data/switch.sqlite3"},
    ),
]


@pytest.fixture(scope="module")
def rails_answers() -> list[Any]:
    answers: list[Any] = run_ruby(BUILD, [{"yml": yml, "env": env} for yml, env in CASES])
    return answers


@pytest.mark.parametrize("index", range(len(CASES)))
def test_flyrun_locates_what_rails_configures(index: int, rails_answers: list[Any]) -> None:
    yml, env = CASES[index]
    facts = locate_databases(yml, [("fly.toml [env]", k, v) for k, v in env.items()])
    mine = [
        [d.name, d.adapter, d.path if d.adapter == "sqlite3" else None] for d in facts.databases
    ]
    assert all(d.kind != "unknown" for d in facts.databases), facts
    assert mine == rails_answers[index], yml
