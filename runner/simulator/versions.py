"""flyctl version numbers and the version gates the simulator honours (docs/reference/flyctl.md).

Each constant is the first stable flyctl release that has the behaviour named.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_VERSION = "0.4.87"

# printError (internal/cli/cli.go): `Error: msg` since 2b785f075 (first in v0.0.521; before:
# `Error msg`). Until v0.1.78: the line, a blank line, then "\n"+description and
# "\n"+suggestion. From v0.1.80 (136ecc14d and 3d585bec2): the line, then description
# and suggestion each followed by a blank line (v0.1.79 printed the message on stdout).
ERROR_COLON = "0.0.521"
ERROR_LINES = "0.1.80"
LOWERCASE_NO_TOKEN = "0.4.22"  # `no access token available…`; before: `No access token…`
NEW_MISSING_APP_TEXT = "0.0.541"  # before: `we couldn't find a fly.toml nor an app…`
MISSING_CONFIG_ERROR = "0.4.80"  # explicit --config that does not exist is an error
VOLUMES_YES = "0.0.500"  # `volumes create --yes` and the single-volume warning
PER_COMMAND_JSON = "0.0.519"  # --json moved from a global flag to per-command flags
VOLUMES_MACHINES_API = "0.1.72"  # snake_case volume JSON (GraphQL shape before)
HOST_DEDICATION = "0.1.86"
SNAPSHOT_RETENTION = "0.1.113"  # flag, JSON key, text line; 20-column labels
AUTO_BACKUP = "0.2.9"  # JSON key auto_backup_enabled, text line `Scheduled snapshots`
WORKER_STATUS = "0.2.42"  # `worker_status` (this release only) …
HOST_STATUS = "0.2.43"  # … then `host_status`; also `volumes list --all`
DEFAULT_SIZE_3GB = "0.0.325"  # volumes create --size default 10 → 3 …
DEFAULT_SIZE_1GB = "0.2.40"  # … → 1; also first-deploy volumes 3 → 1
FIRST_DEPLOY_3GB = "0.1.124"  # first-deploy volumes 1 → 3 (until DEFAULT_SIZE_1GB)
VOLUME_CREATE_ERR_FLAPS = "0.2.12"  # `failed to create volume: …` (doubled wrap before)
DESTROY_MESSAGE_NEW = "0.1.111"  # `Destroyed volume ID: … name: …`
WARNING_TEXT_2 = "0.1.113"  # single-volume warning wording, second form
WARNING_URL_NEW = "0.3.0"  # …/docs/volumes/overview/ instead of …/docs/reference/volumes/
DEPRECATED_REGIONS_HIDDEN = "0.3.196"
SCHEDULED_SNAPSHOTS_FLAG = "0.3.187"
FS_TYPE_FLAG = "0.2.103"
UNIQUE_ZONE_APP_WIDE = "0.3.86"
COUNT_FLAG = "0.1.85"
VM_FLAGS = "0.1.95"
SNAPSHOT_ID_FLAG = "0.0.363"
VOLUMES_V_ALIAS = "0.4.83"
SECRETS_JSON_TABLE = "0.0.357"  # ≤ 0.0.356: `JSON output not available`
SECRETS_JSON_CAPITALISED = "0.0.370"
SECRETS_MACHINES_API = "0.3.178"  # {name,digest}
SECRETS_STATUS = "0.4.6"  # {name,digest,status}
DEPLOY_YES = "0.1.85"

# `fly ssh console` (flyctl internal/command/ssh/console.go history; see ssh.py)
SSH_QUIET_ADDRESS = "0.0.410"  # -q/--quiet, -A/--address
SSH_PTY_FLAG = "0.0.504"  # --pty; before, a pseudo-terminal was always allocated
SSH_USER_FLAG = "0.0.508"  # -u/--user (default root)
SSH_GROUP_FILTER = "0.1.86"  # -g/--process-group; -r/--region now filters machines
SSH_NO_VMS_HINT = "0.1.89"  # "It may be unhealthy or not have been deployed yet…"
SSH_MACHINE_FLAG = "0.1.132"  # --machine (and its clash with -s/--select)
SSH_CONTAINER_FLAG = "0.3.79"  # --container
SSH_SELECT_CHECKS = "0.3.109"  # `-s` prompts for real, "No machine specified…", containers
SSH_MACHINE_NOT_FOUND = "0.3.115"  # an unknown --machine is an error (ignored before)
SSH_NO_CONTAINER_FLAG = "0.4.83"  # --no-container


class Version(NamedTuple):
    """A flyctl version as (major, minor, patch)."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def at_least(self, other: str) -> bool:
        """True when this version is `other` or newer."""
        return self >= parse_version(other)

    def before(self, other: str) -> bool:
        """True when this version is older than `other`."""
        return self < parse_version(other)


_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> Version:
    """Parse `0.4.87`, `v0.4.87` or `0.4.87-dev`; raise ValueError otherwise."""
    match = _VERSION_RE.match(text.strip())
    if not match:
        raise ValueError(f"not a flyctl version: {text!r}")
    return Version(int(match[1]), int(match[2]), int(match[3]))
