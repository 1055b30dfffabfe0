"""`python bench/threadprof.py OUT.prof ARGS...`: run `python -m runner ARGS...` in this
process with one cProfile profiler per thread, each timing with `time.thread_time` (the
thread's own CPU, not the wall clock), and write the merged stats to OUT.prof.

cProfile alone (`python -m cProfile -m runner`) sees only the main thread, which in a batch
run only waits on futures; flyrun's apps run in worker threads (and invoke starts more per
flyctl call). Call counts are exact; times are inflated by the profiler's own overhead, so
read them as proportions. Used by bench/profiling.py.
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import threading
import time
from types import FrameType
from typing import Any

_PROFILES: list[cProfile.Profile] = []
_GUARD = threading.Lock()


def _new_profile() -> cProfile.Profile:
    profile = cProfile.Profile(time.thread_time)
    with _GUARD:
        _PROFILES.append(profile)
    return profile


def _thread_hook(frame: FrameType, event: str, arg: Any) -> None:
    """threading.setprofile's hook runs first in every new thread: swap in a profiler."""
    sys.setprofile(None)
    _new_profile().enable()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 1
    out, args = argv[0], argv[1:]
    threading.setprofile(_thread_hook)
    main_profile = _new_profile()
    sys.argv = ["flyrun", *args]
    code: int = 0
    main_profile.enable()
    try:
        runpy.run_module("runner", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        main_profile.disable()
        threading.setprofile(None)
    with _GUARD:
        profiles = list(_PROFILES)
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.dump_stats(out)
    print(f"threadprof: {len(profiles)} thread profiles merged into {out}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
