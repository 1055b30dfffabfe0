"""`python -m runner.simulator ARGS...`: the fake flyctl."""

from __future__ import annotations

from runner.simulator.process import main

raise SystemExit(main())
