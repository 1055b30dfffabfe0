"""`python bench/whatif.py ARGS...`: run `python -m runner ARGS...` with one change made in
memory, to measure a recommendation of PROFILE.md before anyone writes it: the
`functools.cached_property`s of `runner.tasks.base.Remote` (volumes, secrets, machines)
become a plain per-instance cache without a lock.

On Python < 3.12 every `cached_property` holds one RLock per *descriptor*, shared by all
instances, while it computes a value: with one `Remote` per app, only one app at a time can
run `fly volumes list` (and one `secrets list`, one `machines list`). Apps of a run never share
a `Remote`, so dropping the lock changes nothing else. This reaches into flyrun by name and
stops with a clear error once the code it patches has moved (then the experiment is moot or
needs updating). Used by `bench/profiling.py --whatif`.
"""

from __future__ import annotations

import functools
import runpy
import sys
from collections.abc import Callable
from typing import Any

PROPERTIES = ("volumes", "secrets", "machines")


def per_instance(func: Callable[[Any], Any]) -> property:
    name = func.__name__

    def getter(self: Any) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            value = func(self)
            self.__dict__[name] = value
            return value

    return property(getter, doc=func.__doc__)


def patch() -> None:
    try:
        from runner.tasks.base import Remote
    except ImportError as exc:
        raise SystemExit(
            f"whatif: runner.tasks.base.Remote is gone ({exc}); update the experiment"
        ) from exc
    for attr in PROPERTIES:
        descriptor = Remote.__dict__.get(attr)
        if not isinstance(descriptor, functools.cached_property):
            raise SystemExit(f"whatif: Remote.{attr} is no longer a functools.cached_property")
        setattr(Remote, attr, per_instance(descriptor.func))


def main(argv: list[str]) -> None:
    patch()
    sys.argv = ["flyrun", *argv]
    runpy.run_module("runner", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
