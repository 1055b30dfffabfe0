"""Helpers for the end-to-end tests: generate a Rails app offline with Debian's Rails, dress
a copy as a fly.rake-era Fly app (flyctl v0.0.394–v0.0.450, docs/reference/flyctl.md §8.2 variant B)
beside a simulated Fly account, and run Ruby and the real flyrun CLI as subprocesses."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

REPO = Path(__file__).resolve().parents[2]
RUBY_TOOLS = ("ruby", "rails", "bundle")
TIMEOUT = 180  # seconds per subprocess; a Rails boot takes 1–3 s here

# Everything the app does not need: keeps generation offline and around a second.
RAILS_NEW_FLAGS = (
    "--skip-bundle",
    "--skip-webpack-install",
    "--skip-javascript",
    "--skip-git",
    "--skip-action-mailbox",
    "--skip-action-text",
    "--skip-active-storage",
    "--skip-action-cable",
    "--skip-sprockets",
    "--skip-spring",
    "--skip-listen",
    "--skip-bootsnap",
    "--skip-test",
    "--skip-system-test",
    "--skip-jbuilder",
)

# Resolves from Debian's packaged gems alone (`bundle install --local`, docs/reference/rails.md §6).
GEMFILE = 'source "https://rubygems.org"\n\ngem "rails", "~> 6.1.7"\ngem "sqlite3", "~> 1.4"\n'

# Variables that would change what Bundler, Rails or flyctl do in a subprocess.
_SCRUBBED_PREFIXES = ("BUNDLE_", "RAILS_", "RACK_", "FLY_", "FLYRUN_")
_SCRUBBED = frozenset({"DATABASE_URL", "SECRET_KEY_BASE", "NO_COLOR"})

APP_NAME = "railsapp"
VOLUME = "railsapp_data"
SPEC_NAME = "fly-sqlite.yml"
PRODUCTION_RB = Path("config/environments/production.rb")
BARE_WARNING = "config.active_record.sqlite3_production_warning=false"
GUARDED_WARNING = (
    "config.active_record.sqlite3_production_warning = false"
    " if config.active_record.key?(:sqlite3_production_warning)"
)
WARNING_TASK = "production.rb"  # name prefix of the playbook's production warning task

# ---------------------------------------------------------------------------------------
# subprocesses


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Bundler/Rails/Fly settings, HOME in `home`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SCRUBBED and not key.startswith(_SCRUBBED_PREFIXES)
    }
    env["HOME"] = str(home)
    env.update(extra or {})
    return env


def run(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run `argv` in `cwd` with exactly `env`, stdin closed, output captured."""
    return subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    """The command, its exit code and the tail of its output, for assertion messages."""
    return (
        f"$ {' '.join(map(str, result.args))}\nexit code {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )


def must(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """`result`, asserting it succeeded."""
    assert result.returncode == 0, describe(result)
    return result


# ---------------------------------------------------------------------------------------
# the generated Rails app


@dataclass(frozen=True)
class Template:
    """A generated, bundled Rails 6.1 app, copied by every test; `seconds` to generate it."""

    app: Path
    home: Path
    seconds: float


def missing_tools() -> list[str]:
    """The Ruby commands the end-to-end tests need that are not on PATH."""
    return [tool for tool in RUBY_TOOLS if shutil.which(tool) is None]


def generate_template(root: Path) -> Template:
    """`rails new` offline in `root/app`, Gemfile trimmed to rails + sqlite3, bundled locally."""
    home = root / "home"
    home.mkdir()
    env = clean_env(home)
    start = time.monotonic()
    must(run(["rails", "new", "app", *RAILS_NEW_FLAGS], cwd=root, env=env))
    app = root / "app"
    (app / "Gemfile").write_text(GEMFILE, encoding="utf-8")
    must(run(["bundle", "install", "--local"], cwd=app, env=env))
    return Template(app=app, home=home, seconds=time.monotonic() - start)


# ---------------------------------------------------------------------------------------
# fly.rake-era Fly files

_RAKE_HEAD = """\
# commands used to deploy a Rails application
namespace :fly do
  # BUILD step:
  #  - changes to the filesystem made here DO get deployed
  #  - NO access to secrets, volumes, databases
  #  - Failures here prevent deployment
  {build}

  # RELEASE step:
  #  - changes to the filesystem made here are DISCARDED
  #  - full access to secrets, databases
  #  - failures here prevent deployment
  {release}

  # SERVER step:
  #  - changes to the filesystem made here are deployed
  #  - full access to secrets, databases
  #  - failures here result in VM being stated, shutdown, and rolled back
  #    to last successful deploy (if any).
  {server}
    sh 'bin/rails server'
  end

  # optional SWAPFILE task:
  #  - adjust fallocate size as needed
  #  - performance critical applications should scale memory to the
  #    point where swap is rarely used.  'fly scale help' for details.
  #  - disable by removing dependency on the :server task, thus:
  #        task :server do
  task :swapfile do
    sh 'fallocate -l 512M /swapfile'
    sh 'chmod 0600 /swapfile'
    sh 'mkswap /swapfile'
    sh 'echo 10 > /proc/sys/vm/swappiness'
    sh 'swapon /swapfile'
  end
end
"""

FLY_RAKE = {
    # flyctl's template, variant B, verbatim (hash rockets, single quotes)
    "rocket": _RAKE_HEAD.format(
        build="task :build => 'assets:precompile'",
        release="task :release => 'db:migrate'",
        server="task :server => :swapfile do",
    ),
    # the same after RuboCop's Style/HashSyntax and a double-quote preference
    "keyword": _RAKE_HEAD.format(
        build='task build: "assets:precompile"',
        release='task release: "db:migrate"',
        server="task server: :swapfile do",
    ),
}
STYLES = tuple(FLY_RAKE)

_FLY_TOML = """\
# fly.toml file generated for {app} on 2022-10-14T09:12:44+02:00

app = "{app}"
kill_signal = "SIGINT"
kill_timeout = 5
processes = []

[build]
  [build.args]
    BUILD_COMMAND = "bin/rails fly:build"
    SERVER_COMMAND = "bin/rails fly:server"

[deploy]
  release_command = "bin/rails fly:release"

[env]
  PORT = "8080"

[experimental]
  allowed_public_ports = []
  auto_rollback = true

[[services]]
  http_checks = []
  internal_port = 8080
  processes = ["app"]
  protocol = "tcp"
  script_checks = []
  [services.concurrency]
    hard_limit = 25
    soft_limit = 20
    type = "connections"

  [[services.ports]]
    force_https = true
    handlers = ["http"]
    port = 80

  [[services.ports]]
    handlers = ["tls", "http"]
    port = 443

  [[services.tcp_checks]]
    grace_period = "1s"
    interval = "15s"
    restart_limit = 0
    timeout = "2s"

[[statics]]
  guest_path = "/app/public"
  url_prefix = "/"
"""

DOCKERFILE = """\
# syntax = docker/dockerfile:experimental

ARG RUBY_VERSION=3.1.2
ARG VARIANT=jemalloc-slim
FROM quay.io/evl.ms/fullstaq-ruby:${RUBY_VERSION}-${VARIANT} as base

ARG RAILS_ENV=production
ENV RAILS_ENV=${RAILS_ENV}
ENV RAILS_SERVE_STATIC_FILES true
ENV RAILS_LOG_TO_STDOUT true

ARG BUNDLE_WITHOUT=development:test
ARG BUNDLE_PATH=vendor/bundle
ENV BUNDLE_PATH ${BUNDLE_PATH}
ENV BUNDLE_WITHOUT ${BUNDLE_WITHOUT}

RUN mkdir /app
WORKDIR /app

FROM base as gems
COPY Gemfile* ./
RUN bundle install && rm -rf vendor/bundle/ruby/*/cache

FROM base
ARG DEPLOY_PACKAGES="file vim curl gzip libsqlite3-0"
COPY --from=gems /app /app
COPY . .

ARG BUILD_COMMAND="bin/rails fly:build"
RUN ${BUILD_COMMAND}

ENV PORT 8080
ARG SERVER_COMMAND="bin/rails fly:server"
ENV SERVER_COMMAND ${SERVER_COMMAND}
CMD ${SERVER_COMMAND}
"""


def spec_text(app: str, volume: str, silence: str | None) -> str:
    """A version-1 spec: the volume in iad, deploy on; `silence_sqlite_warning` if given."""
    extra = f"silence_sqlite_warning: {silence}\n" if silence is not None else ""
    return (
        f"version: 1\napp: {app}\nvolume:\n  name: {volume}\n  size: 1\n  region: iad\n"
        f"{extra}deploy: true\n"
    )


MIGRATION = """\
class CreateWidgets < ActiveRecord::Migration[6.1]
  def change
    create_table :widgets do |t|
      t.string :name
      t.timestamps
    end
  end
end
"""


def add_migration(folder: Path) -> None:
    """One tiny migration creating table `widgets`."""
    migrate = folder / "db" / "migrate"
    migrate.mkdir(parents=True, exist_ok=True)
    (migrate / "20240101000000_create_widgets.rb").write_text(MIGRATION, encoding="utf-8")


def insert_after_configure(folder: Path, line: str) -> None:
    """Put `line` first in production.rb's `Rails.application.configure do` block."""
    path = folder / PRODUCTION_RB
    head = "Rails.application.configure do\n"
    text = path.read_text(encoding="utf-8")
    assert text.count(head) == 1, text
    path.write_text(text.replace(head, f"{head}  {line}\n"), encoding="utf-8")


# ---------------------------------------------------------------------------------------
# the app under test, its simulated Fly account, and flyrun


@dataclass(frozen=True)
class CliRun:
    """One `python -m runner check|apply --format json` run."""

    result: subprocess.CompletedProcess[str]
    report: dict[str, Any]

    @property
    def code(self) -> int:
        return self.result.returncode

    @property
    def status(self) -> str:
        """The (only) app's status."""
        apps = self.report["apps"]
        assert len(apps) == 1, self.report
        return str(apps[0]["status"])

    def task(self, prefix: str) -> dict[str, Any]:
        """The one task whose name starts with `prefix`."""
        found = [t for t in self.report["apps"][0]["tasks"] if t["name"].startswith(prefix)]
        assert len(found) == 1, (prefix, self.report)
        task: dict[str, Any] = found[0]
        return task


@dataclass(frozen=True)
class FlyApp:
    """A fly.rake-era Rails app with its spec, a simulator state where the app runs one
    machine in iad, a `flyctl` shim for it, and an unrelated folder to run flyrun from."""

    name: str
    folder: Path
    spec: Path
    state_path: Path
    shim: Path
    home: Path
    elsewhere: Path

    def flyrun(self, command: str) -> CliRun:
        """The real CLI in a subprocess, from another folder, against the simulator."""
        argv = [sys.executable, "-m", "runner", command, str(self.spec)]
        argv += ["--flyctl", str(self.shim), "--format", "json"]
        argv += ["--yes"] if command == "apply" else []
        pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        env = clean_env(self.home, {"PYTHONPATH": pythonpath, "NO_COLOR": "1"})
        result = run(argv, cwd=self.elsewhere, env=env)
        try:
            report = json.loads(result.stdout)
        except ValueError as exc:
            raise AssertionError(f"no JSON report on stdout\n{describe(result)}") from exc
        assert isinstance(report, dict), describe(result)
        validate_report(report)
        return CliRun(result, report)

    def rails(
        self, *args: str, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`bin/rails ARGS` in the app folder (RAILS_ENV unset unless `env` sets it)."""
        return run(["bin/rails", *args], cwd=self.folder, env=clean_env(self.home, env))

    def state_bytes(self) -> bytes:
        return self.state_path.read_bytes()

    def sim_state(self) -> dict[str, Any]:
        from runner.simulator.state import load

        return load(self.state_path)

    def production_rb(self) -> str:
        return (self.folder / PRODUCTION_RB).read_text(encoding="utf-8")


class MakeFlyApp(Protocol):
    """The `new_fly_app` fixture: `make_fly_app` in a fresh folder of the test's tmp_path."""

    def __call__(
        self,
        *,
        style: str = "rocket",
        silence: str | None = None,
        production_line: str | None = None,
    ) -> FlyApp: ...


def make_fly_app(
    template: Template,
    root: Path,
    *,
    style: str = "rocket",
    silence: str | None = None,
    production_line: str | None = None,
) -> FlyApp:
    """Copy the template to `root/railsapp`, add the fly.rake-era files and a spec, and a
    simulated Fly account (state and shim in `root/fly`) where the app has one machine in iad."""
    from runner.simulator.shim import install_shim
    from runner.simulator.state import add_machine, new_state, save

    folder = root / APP_NAME
    shutil.copytree(template.app, folder, symlinks=True)
    (folder / "lib" / "tasks" / "fly.rake").write_text(FLY_RAKE[style], encoding="utf-8")
    (folder / "fly.toml").write_text(_FLY_TOML.format(app=APP_NAME), encoding="utf-8")
    (folder / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    spec = folder / SPEC_NAME
    spec.write_text(spec_text(APP_NAME, VOLUME, silence), encoding="utf-8")
    if production_line is not None:
        insert_after_configure(folder, production_line)

    fly = root / "fly"
    fly.mkdir()
    state_path = fly / "state.json"
    state = new_state([APP_NAME])
    add_machine(state, APP_NAME, "iad", group="app", mounts=[])
    save(state_path, state)
    shim = install_shim(fly / "bin", state_path)
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return FlyApp(APP_NAME, folder, spec, state_path, shim, template.home, elsewhere)


def validate_report(report: dict[str, Any]) -> None:
    """Assert `report` matches schemas/report.schema.json."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(report)]
    assert not errors, errors


# ---------------------------------------------------------------------------------------
# reading results


def tree_snapshot(root: Path) -> dict[str, str]:
    """Every entry under `root` (relative path → kind, mode and content digest)."""
    snapshot: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            snapshot[rel] = f"link {path.readlink()}"
        elif path.is_dir():
            snapshot[rel] = "dir"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            snapshot[rel] = f"file {path.stat().st_mode & 0o7777:o} {digest}"
    return snapshot


def prerequisites(listing: str) -> dict[str, list[str]]:
    """Parse `rails -P` / `rake -P`: a task line is `rails NAME` (or `rake NAME`) at column 0,
    each indented line under it a prerequisite."""
    tasks: dict[str, list[str]] = {}
    current: str | None = None
    for line in listing.splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            assert current is not None, listing
            tasks[current].append(line.strip())
            continue
        words = line.split()
        assert len(words) == 2 and words[0] in ("rails", "rake"), line
        current = words[1]
        tasks.setdefault(current, [])
    return tasks


def mount_destination(folder: Path, source: str) -> str:
    """The fly.toml mount destination of volume `source` (`[mounts]` or `[[mounts]]`)."""
    data = tomllib.loads((folder / "fly.toml").read_text(encoding="utf-8"))
    mounts = data.get("mounts", [])
    entries = mounts if isinstance(mounts, list) else [mounts]
    found = [m["destination"] for m in entries if m.get("source") == source]
    assert len(found) == 1, data
    return str(found[0])


def deployed_database_url(app: FlyApp, database: str = "production.sqlite") -> tuple[str, str]:
    """(DATABASE_URL as the spec defines it, the mount path), proven to be what flyrun set:
    the simulator keeps only a digest, so the URL is rebuilt from fly.toml's mount and
    checked against it."""
    from runner.simulator.state import secret_digest

    mount = mount_destination(app.folder, VOLUME)
    url = f"sqlite3://{mount}/{database}"
    state = app.sim_state()
    stored = state["apps"][app.name]["secrets"]["DATABASE_URL"]["digest"]
    assert secret_digest(state, app.name, url) == stored, (url, stored)
    return url, mount


def production_env(database_url: str) -> dict[str, str]:
    return {"RAILS_ENV": "production", "SECRET_KEY_BASE": "x", "DATABASE_URL": database_url}


BOOT_SCRIPT = (
    "puts ActiveRecord::Base.connection.adapter_name; "
    "puts ActiveRecord::Base.connection_db_config.database"
)
