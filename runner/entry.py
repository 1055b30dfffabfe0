"""The `flyrun` command's entry point (pyproject.toml `[project.scripts]`, and `python -m
runner`): `flyrun --version` is answered before anything else is imported (README
"Benchmarks": it runs in about the interpreter's own start-up); every other command line is
runner/cli.py's, which imports what the command needs."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: importing typing would double this command's cost
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if words == ["--version"]:  # what argparse's version action prints (runner/cli_args.py)
        from runner import __version__

        sys.stdout.write(f"flyrun {__version__}\n")
        return 0
    from runner.cli import main as run

    return run(argv)
