from __future__ import annotations

from runner.entry import main

raise SystemExit(main())
