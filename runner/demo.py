"""`flyrun demo`: the bundled example app (or, with `--app-dir DIR`, a copy of the user's own
app), copied to a temporary folder, taken through check → apply → check against the flyctl
simulator, printing what a user would see. No Fly account is needed and DIR is not touched.

For the user's app the spec is `DIR/fly-sqlite.yml` when there is one (its apps in DIR itself;
its region is the one, whatever fly.toml has), else one made as `flyrun init` makes it
(runner/init.py), with `--region` as init's when fly.toml has no primary_region; the simulated
account holds each app of the spec with one started machine of its process group in its
region, as `fly launch` leaves it.
What the steps print names the user's own files (`DIR/fly.toml:54:1`, the next command),
not the temporary copy's, which is gone when the demo ends; a next command naming a spec the
demo made starts with the `flyrun init` that writes it in DIR. Ctrl-C stops the demo at once
(exit 130), whichever step it is in."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TextIO

from runner.disk import read_text, user_path
from runner.errors import RunnerError, SpecError, SpecProblem
from runner.report.inert import LineStream
from runner.resources import bundled

EXAMPLE = "shop"
EXPECTED = (2, 0, 0)  # check: pending; apply: done; check: converged
INTERRUPTED = 130  # README "Exit codes": Ctrl-C
MEANING = {0: "nothing left to do", 1: "failed", 2: "changes pending"}
SPEC_NAMES = ("fly-sqlite.yml", "fly-sqlite.yaml")
USAGE = "flyrun demo --app-dir DIR"  # what messages of runner/init.py suggest, in the demo
_NOT_COPIED = (".git", "node_modules", "tmp", "log", ".bundle")  # big, and not read


def copy_tree(source: Traversable, target: Path) -> None:
    """Copy a bundled folder (a plain folder, or inside a zip) to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def prepare(root: Path) -> tuple[Path, Path]:
    """The example app and a simulated Fly account where `shop` runs one machine in iad."""
    from runner.simulator.shim import install_shim
    from runner.simulator.state import add_machine, add_secret, new_state, save

    app = root / EXAMPLE
    copy_tree(bundled("playbooks") / "examples" / EXAMPLE, app)
    state_path = root / "flyctl-state.json"
    state = new_state([EXAMPLE])
    add_machine(state, EXAMPLE, "iad", group="app", mounts=[])
    add_secret(state, EXAMPLE, "RAILS_MASTER_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    save(state_path, state)
    return app / "fly-sqlite.yml", install_shim(root / "bin", state_path)


def own_spec(app_dir: Path) -> Path | None:
    """The user's spec in `app_dir`, if there is one."""
    return next((app_dir / name for name in SPEC_NAMES if (app_dir / name).is_file()), None)


def prepare_own(root: Path, app_dir: Path, region: str | None = None) -> tuple[Path, Path]:
    """A copy of the user's app (its spec, or one made as `init` makes it, with `region`
    when fly.toml has no primary_region) and a simulated account seeded from that spec:
    each app, one started machine of its group in its region."""
    from runner.init import write_spec

    check_own(app_dir, region)
    app = root / (app_dir.resolve().name or "app")
    shutil.copytree(app_dir, app, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    spec = own_spec(app) or write_spec(app, region)
    return spec, _seeded(root, spec)


def check_own(app_dir: Path, region: str | None) -> None:
    """Before anything is copied, what would stop the demo, said in the user's files: DIR
    is no app folder; its spec has a problem, or an app outside DIR, or another region than
    `--region`; without a spec, what `init` would say of fly.toml (e.g. no primary_region
    and no `--region`). With a spec, its region is the one (fly.toml's need not have one)."""
    from runner.init import check_folder, draft
    from runner.spec import AppFailure, AppSpec, load_for_run

    check_folder(app_dir, USAGE)
    own = own_spec(app_dir)
    if own is None:
        draft(app_dir, region, usage=USAGE)
        return
    loaded = load_for_run([own])
    problems = outside(own, app_dir) or [
        p for item in loaded if isinstance(item, AppFailure) for p in item.problems
    ]
    if problems:
        raise SpecError(problems)
    regions = {item.volume.region for item in loaded if isinstance(item, AppSpec)}
    if region is not None and regions != {region}:
        raise RunnerError(
            f"--region {region!r}: {os.path.normpath(own)} puts the volume in "
            f"{', '.join(sorted(regions))}, and the demo uses it as it is: leave out --region "
            "(it is for an app without a spec)"
        )


def outside(spec: Path, app_dir: Path) -> list[SpecProblem]:
    """Each `path:` of the spec in DIR that is not DIR itself (docs/ci.md): the demo copies
    DIR alone, so an app folder elsewhere would be missing from the copy."""
    from runner.spec.views import app_views
    from runner.spec.yamlmarks import load_yaml

    home = os.path.realpath(app_dir)
    views = app_views(load_yaml(read_text(spec, shown=str(spec)) or "", str(spec)), frozenset())
    problems = [
        view.problem(("path",), _not_home(str(view.get(("path",))), spec, app_dir))
        for view in views
        if view.has(("path",)) and os.path.realpath(spec.parent / str(view.get(("path",)))) != home
    ]
    return list(dict.fromkeys(problems))  # an inventory's `defaults: {path: …}`: said once


def _not_home(raw: str, spec: Path, app_dir: Path) -> str:
    mine, folder = os.path.normpath(app_dir), os.path.normpath(spec.parent / raw)
    return (
        f"{raw!r} is not {mine} itself: the demo copies {mine} alone, so its spec must be the "
        f"app's own (no `path`, or `path: .`); for the app in {folder}, run "
        f"`flyrun demo --app-dir {shlex.quote(folder)}`"
    )


def _seeded(root: Path, spec: Path) -> Path:
    """The flyctl simulator, seeded from `spec` (in the copy): its shim."""
    from runner.simulator.shim import install_shim
    from runner.simulator.state import add_app, add_machine, new_state, save
    from runner.spec import AppSpec, load_for_run

    state = new_state([])
    for item in load_for_run([spec]):
        if item.app not in state["apps"]:
            add_app(state, item.app)
        if isinstance(item, AppSpec):
            add_machine(state, item.app, item.volume.region, group=item.process_group, mounts=[])
    state_path = root / "flyctl-state.json"
    save(state_path, state)
    return install_shim(root / "bin", state_path)


def run_demo(
    main: Callable[[list[str]], int],
    *,
    keep: bool = False,
    app_dir: Path | None = None,
    region: str | None = None,
) -> int:
    """`main` is the CLI's entry point (passed in: the demo sits below the CLI)."""
    if app_dir is None and region is not None:
        raise RunnerError("--region goes with --app-dir DIR (the bundled example runs in iad)")
    root = Path(tempfile.mkdtemp(prefix="flyrun-demo-"))
    try:
        spec, shim, shown = _prepared(root, app_dir, region, keep=keep)
        print(f"flyrun demo: flyctl is the built-in simulator ({shim})\n")
        with shown:
            return _verdict(_steps(main, spec, shim))
    except KeyboardInterrupt:  # between steps, or while copying: stop at once all the same
        print("\nflyrun demo: interrupted", file=sys.stderr)
        return INTERRUPTED
    finally:
        _leave(root, keep=keep, example=app_dir is None)


def _leave(root: Path, *, keep: bool, example: bool) -> None:
    """Keep the copy and say how to go on with it, or remove it. The example's steps name
    the copy (there is no folder of the user's to name instead), so the commands they
    suggest hold only with --keep, and with the simulator as flyctl."""
    if keep:
        shim = root / "bin" / "flyctl"
        more = f"; run flyrun on it with `--flyctl {shim}` (the simulator)" if shim.exists() else ""
        print(f"flyrun demo: kept {root}{more}")
    else:
        shutil.rmtree(root, ignore_errors=True)
        if example:
            print(
                "flyrun demo: the copy is removed; `flyrun demo --keep` keeps it, to run "
                "the commands above on it yourself"
            )


def _prepared(
    root: Path, app_dir: Path | None, region: str | None, *, keep: bool
) -> tuple[Path, Path, contextlib.AbstractContextManager[None]]:
    """The spec and the simulator's shim in `root`, said; and how the steps' output is shown
    (naming the user's files rather than the copy's)."""
    if app_dir is None:
        spec, shim = prepare(root)
        kept = "kept for you to look at" if keep else "removed at the end"
        print(f"flyrun demo: example app copied to {spec.parent} ({kept})")
        return spec, shim, contextlib.nullcontext()
    init = None if own_spec(app_dir) else init_command(app_dir, region)
    spec, shim = prepare_own(root, app_dir, region)
    _announce(app_dir, spec.parent, init=init, keep=keep)
    return spec, shim, shown_as(spec.parent, app_dir, init=init)


def init_command(app_dir: Path, region: str | None) -> str:
    """The `flyrun init` that writes in DIR the spec the demo makes in the copy."""
    words = ["flyrun", "init", os.path.normpath(app_dir)]
    return shlex.join(words + (["--region", region] if region is not None else []))


def _announce(app_dir: Path, copy: Path, *, init: str | None, keep: bool) -> None:
    """Say that the demo works on a copy (removed at the end, or kept), and how its
    messages name the user's files."""
    mine = os.path.normpath(app_dir)
    fate = "keeps for you to look at" if keep else "removes at the end"
    print(
        f"flyrun demo: {mine} copied to {copy}, which the demo converts and {fate} "
        f"({mine} is not touched); messages name your files ({Path(mine) / 'fly.toml'})"
    )
    if init is not None:
        print(
            f"flyrun demo: {mine} has no fly-sqlite.yml: the demo uses one made as "
            f"`{init}` makes it (run that to write it)"
        )


def _verdict(codes: list[int]) -> int:
    if codes[-1] == INTERRUPTED:
        print(
            "flyrun demo: interrupted; the steps above ran on a copy against the simulator: "
            "nothing of yours was changed and nothing is left to finish",
            file=sys.stderr,
        )
        return INTERRUPTED
    if tuple(codes) == EXPECTED:
        print(f"flyrun demo: exit codes {tuple(codes)}, as expected")
        return 0
    print(f"flyrun demo: exit codes {tuple(codes)}, expected {EXPECTED}")
    return 1


def _steps(main: Callable[[list[str]], int], spec: Path, shim: Path) -> list[int]:
    """check → apply → check; stops after a failed step (apply would refuse the same), and
    at once after Ctrl-C (the step's run ends with 130 and says so)."""
    codes: list[int] = []
    for step, argv in enumerate((["check"], ["apply", "--yes"], ["check"]), 1):
        print(f"{'=' * 72}\n{step}. flyrun {argv[0]} {spec.name}\n{'=' * 72}", flush=True)
        with _flyctl(shim):
            codes.append(main([*argv, str(spec)]))
        if codes[-1] == INTERRUPTED:
            break
        meaning = MEANING.get(codes[-1], "see README: Exit codes")
        print(f"\n(exit code {codes[-1]}: {meaning})\n", flush=True)
        if codes[-1] == 1:
            print("flyrun demo: stopped: fix what failed above, then run the demo again")
            break
    return codes


@contextlib.contextmanager
def _flyctl(shim: Path) -> Iterator[None]:
    """The simulator as `$FLYRUN_FLYCTL`, not `--flyctl`: the next command a step suggests
    carries --flyctl, and the shim is gone when the demo ends (the user's is their flyctl)."""
    before = os.environ.get("FLYRUN_FLYCTL")
    os.environ["FLYRUN_FLYCTL"] = str(shim)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("FLYRUN_FLYCTL", None)
        else:
            os.environ["FLYRUN_FLYCTL"] = before


@contextlib.contextmanager
def shown_as(copy: Path, original: Path, *, init: str | None = None) -> Iterator[None]:
    """While it is open, what is printed names `original` where it said `copy` (the
    temporary copy of the user's app: as given, resolved, and as runner/disk.py `user_path`
    names them). `init`: the command that writes the spec the demo made, which `original`
    lacks: a next command naming the spec runs it first, so that it is true of `original`."""
    mine = os.path.normpath(original)
    spellings = {user_path(c) for c in (copy, copy.resolve())} | {str(copy), str(copy.resolve())}
    names = {spelling: mine for spelling in spellings}
    if init is not None:
        names |= _init_first(spellings, mine, init)
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Renamed(out, names), Renamed(err, names)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def _init_first(copies: set[str], mine: str, init: str) -> dict[str, str]:
    """`flyrun check COPY/fly-sqlite.yml`, as a step's closing line suggests it
    (runner/report/closing.py), becomes `INIT && flyrun check DIR/fly-sqlite.yml`."""
    theirs = shlex.quote(str(Path(mine) / SPEC_NAMES[0]))
    return {
        f"flyrun {verb} {shlex.quote(str(Path(copy) / SPEC_NAMES[0]))}": (
            f"{init} && flyrun {verb} {theirs}"
        )
        for verb in ("validate", "check", "apply")
        for copy in copies
    }


class Renamed(LineStream):
    """A text stream that writes every line with paths renamed (whole lines: a path is
    never cut between two writes)."""

    def __init__(self, stream: TextIO, names: dict[str, str]) -> None:
        self.names = sorted(names.items(), key=lambda pair: -len(pair[0]))  # longest first
        super().__init__(stream, self._renamed)

    def _renamed(self, text: str) -> str:
        for old, new in self.names:
            text = text.replace(old, new)
        return text
