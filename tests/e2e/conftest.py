"""Fixtures: one Rails app generated per session (offline, Debian's Rails 6.1), copied into
a fresh fly.rake-era Fly app with a simulated Fly account for each test.

Without `ruby`, `rails` or `bundle` on PATH every test here is skipped; set
FLYRUN_REQUIRE_RUBY=1 (CI) to make that a failure instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.rails_app import (
    STYLES,
    FlyApp,
    MakeFlyApp,
    Template,
    generate_template,
    make_fly_app,
    missing_tools,
)


@pytest.fixture(scope="session")
def rails_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    missing = missing_tools()
    if missing:
        reason = (
            f"real-Rails end-to-end tests need {', '.join(missing)} on PATH "
            "(Debian: apt-get install --no-install-recommends ruby ruby-rails ruby-sqlite3 "
            "ruby-bundler)"
        )
        if os.environ.get("FLYRUN_REQUIRE_RUBY"):
            pytest.fail(reason)
        pytest.skip(reason)
    return generate_template(tmp_path_factory.mktemp("rails-template"))


@pytest.fixture
def new_fly_app(rails_template: Template, tmp_path: Path) -> MakeFlyApp:
    """Build a fresh fly.rake-era app (each call in its own folder under tmp_path)."""
    made: list[FlyApp] = []

    def make(
        *, style: str = "rocket", silence: str | None = None, production_line: str | None = None
    ) -> FlyApp:
        root = tmp_path / f"case{len(made)}"
        root.mkdir()
        app = make_fly_app(
            rails_template, root, style=style, silence=silence, production_line=production_line
        )
        made.append(app)
        return app

    return make


@pytest.fixture(params=STYLES)
def fly_app(request: pytest.FixtureRequest, new_fly_app: MakeFlyApp) -> FlyApp:
    """The app in each fly.rake style: `task :release => 'db:migrate'` (flyctl's template)
    and `task release: "db:migrate"` (keyword style)."""
    style: str = request.param
    return new_fly_app(style=style)
