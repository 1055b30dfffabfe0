"""`python -m tests.reliability.killpoint ARGS…`: flyrun's CLI as a real process, with flyctl's
simulator in-process (on $SIM_STATE: no process per flyctl call), that can stop at a chosen
point and wait there to be killed: `KILL_AT=effect:N` right after the Nth effect finished,
`KILL_AT=write:N` inside the Nth atomic write, its temporary file complete but not yet
renamed over the file. It then writes `STOPPED` to fd 2. Without KILL_AT it just runs.
Test-only: flyrun's code is not changed, only watched."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from runner.events import Bus, EffectFinished, Event
from tests.inproc import InProcessFlyctl


def _stop() -> None:
    os.write(2, b"\nSTOPPED\n")
    time.sleep(60)  # the test kills the process now
    os._exit(99)


def _watch(where: str, number: int) -> None:
    seen = [0]

    def count() -> None:
        seen[0] += 1
        if seen[0] == number:
            _stop()

    if where == "effect":
        emit = Bus.emit

        def after(self: Bus, event: Event) -> None:
            emit(self, event)
            if isinstance(event, EffectFinished):
                count()

        Bus.emit = after  # type: ignore[method-assign]
    else:
        rename = Path.replace

        def before(self: Path, target: Any) -> Path:
            if self.name.endswith(".flyrun"):
                count()
            return rename(self, target)

        Path.replace = before  # type: ignore[method-assign,assignment]


def main() -> int:
    import runner.flyctl.process
    from runner.cli import main as flyrun

    state = Path(os.environ["SIM_STATE"])
    runner.flyctl.process.group_context = lambda *_: InProcessFlyctl(state)  # type: ignore[assignment]
    if os.environ.get("KILL_AT"):
        where, number = os.environ["KILL_AT"].split(":")
        _watch(where, int(number))
    return flyrun(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
