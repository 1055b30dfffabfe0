"""Flag definitions of the simulated commands, with the flyctl versions that have them."""

from __future__ import annotations

from runner.simulator.flags import Flag
from runner.simulator.versions import (
    COUNT_FLAG,
    DEFAULT_SIZE_1GB,
    DEFAULT_SIZE_3GB,
    DEPLOY_YES,
    FS_TYPE_FLAG,
    PER_COMMAND_JSON,
    SCHEDULED_SNAPSHOTS_FLAG,
    SNAPSHOT_ID_FLAG,
    SNAPSHOT_RETENTION,
    SSH_CONTAINER_FLAG,
    SSH_GROUP_FILTER,
    SSH_MACHINE_FLAG,
    SSH_NO_CONTAINER_FLAG,
    SSH_PTY_FLAG,
    SSH_QUIET_ADDRESS,
    SSH_USER_FLAG,
    UNIQUE_ZONE_APP_WIDE,
    VM_FLAGS,
    VOLUMES_YES,
)

APP = Flag("app", short="a", help="Application name")
CONFIG = Flag("config", short="c", help="Path to application configuration file")
JSON = Flag("json", "bool", short="j", help="JSON output", since=PER_COMMAND_JSON)
YES = Flag("yes", "bool", short="y", aliases=("auto-confirm",), help="Accept all confirmations")
DETACH = Flag("detach", "bool", help="Return immediately instead of monitoring deployment progress")
ROOT_FLAGS = (
    Flag("access-token", short="t", help="Fly API Access Token"),
    Flag("verbose", "bool", help="Verbose output"),
    Flag("debug", "bool", help="Print additional logs and traces"),
    Flag("json", "bool", short="j", help="JSON output", until=PER_COMMAND_JSON),
)
SECRET_FLAGS = (
    APP,
    CONFIG,
    DETACH,
    Flag("stage", "bool", help="Set secrets but skip deployment for machine apps"),
    Flag("dns-checks", "bool", default=True, help="Perform DNS checks", since="0.3.182"),
)


def _vm_flags() -> tuple[Flag, ...]:
    names = ("vm-size", "vm-cpus", "vm-cpu-kind", "vm-memory", "host-dedication-id")
    return tuple(Flag(n, since=VM_FLAGS, help="Placement hint") for n in names)


VOLUME_CREATE_FLAGS = (
    APP,
    CONFIG,
    JSON,
    Flag("region", short="r", help="The target region (see 'flyctl platform regions')"),
    Flag(
        "size",
        "int",
        short="s",
        default=10,
        help="The size of volume in gigabytes",
        until=DEFAULT_SIZE_3GB,
    ),
    Flag(
        "size",
        "int",
        short="s",
        default=3,
        help="The size of volume in gigabytes",
        since=DEFAULT_SIZE_3GB,
        until=DEFAULT_SIZE_1GB,
    ),
    Flag(
        "size",
        "int",
        short="s",
        default=1,
        help="The size of volume in gigabytes",
        since=DEFAULT_SIZE_1GB,
    ),
    Flag(
        "snapshot-retention",
        "int",
        default=5,
        help="Snapshot retention in days",
        since=SNAPSHOT_RETENTION,
    ),
    Flag(
        "scheduled-snapshots",
        "bool",
        default=True,
        help="Enable scheduled automatic snapshots",
        since=SCHEDULED_SNAPSHOTS_FLAG,
    ),
    Flag("no-encryption", "bool", help="Do not encrypt the volume contents"),
    Flag(
        "require-unique-zone",
        "bool",
        default=True,
        help="Place the volume in a separate hardware zone",
    ),
    Flag(
        "unique-zone-app-wide",
        "bool",
        help="Unique zone across the app",
        since=UNIQUE_ZONE_APP_WIDE,
    ),
    Flag(
        "snapshot-id",
        help="Create the volume from the specified snapshot",
        since=SNAPSHOT_ID_FLAG,
    ),
    Flag("fs-type", default="ext4", hidden=True, since=FS_TYPE_FLAG),
    Flag(
        "yes",
        "bool",
        short="y",
        aliases=("auto-confirm",),
        since=VOLUMES_YES,
        help="Accept all confirmations",
    ),
    Flag(
        "count",
        "int",
        short="n",
        default=1,
        help="The number of volumes to create",
        since=COUNT_FLAG,
    ),
    *_vm_flags(),
)


def deploy_flags() -> tuple[Flag, ...]:
    strings = (
        "strategy",
        "wait-timeout",
        "release-command-timeout",
        "lease-timeout",
        "primary-region",
        "regions",
        "exclude-regions",
        "only-machines",
        "exclude-machines",
        "process-groups",
        "max-unavailable",
        "deploy-retries",
        "dockerfile",
        "build-target",
        "depot",
        "label",
        "signal",
        "vm-size",
        "vm-cpus",
        "vm-cpu-kind",
        "vm-memory",
        "vm-gpu-kind",
        "ignorefile",
    )
    bools = (
        "remote-only",
        "local-only",
        "now",
        "skip-release-command",
        "update-only",
        "build-only",
        "push",
        "no-cache",
        "no-public-ips",
        "flycast",
        "nixpacks",
        "recreate-builder",
    )
    repeated = ("build-arg", "build-secret", "file-local", "file-literal", "file-secret")
    return (
        APP,
        CONFIG,
        DETACH,
        Flag("yes", "bool", short="y", help="Accept all confirmations", since=DEPLOY_YES),
        Flag("auto-confirm", "bool", help="Accept all confirmations"),
        Flag("image", short="i", help="The Docker image to deploy"),
        Flag(
            "env",
            "strings",
            short="e",
            help="Set of environment variables in the form of NAME=VALUE pairs",
        ),
        Flag(
            "ha", "bool", default=True, help="Create spare machines that increase app availability"
        ),
        Flag("smoke-checks", "bool", default=True, help="Perform smoke checks during deployment"),
        Flag("dns-checks", "bool", default=True, help="Perform DNS checks during deployment"),
        Flag(
            "volume-initial-size",
            "int",
            help="The initial size in GB for volumes created on first deploy",
        ),
        Flag(
            "max-concurrent",
            "int",
            default=8,
            help="Maximum number of machines to operate on concurrently",
        ),
        *(Flag(n, help=n) for n in strings),
        *(Flag(n, "bool", help=n) for n in bools),
        *(Flag(n, "strings", help=n) for n in repeated),
    )


SSH_CONSOLE_FLAGS = (
    Flag("org", short="o", help="The target Fly.io organization"),
    APP,
    CONFIG,
    Flag("command", short="C", help="command to run on SSH session"),
    Flag(
        "machine",
        help="Run the console in the existing machine with the specified ID",
        since=SSH_MACHINE_FLAG,
    ),
    Flag("select", "bool", short="s", help="select available instances"),
    Flag("region", short="r", help="The target region (see 'flyctl platform regions')"),
    Flag(
        "quiet",
        "bool",
        short="q",
        help="Don't print progress indicators for WireGuard",
        since=SSH_QUIET_ADDRESS,
    ),
    Flag("address", short="A", help="Address of VM to connect to", since=SSH_QUIET_ADDRESS),
    Flag("container", help="Container to connect to", since=SSH_CONTAINER_FLAG),
    Flag(
        "no-container",
        "bool",
        help="Connect to the machine itself rather than to one of its containers",
        since=SSH_NO_CONTAINER_FLAG,
    ),
    Flag(
        "pty",
        "bool",
        help="Allocate a pseudo-terminal (default: on when no command is provided)",
        since=SSH_PTY_FLAG,
    ),
    Flag(
        "user",
        short="u",
        default="root",
        help="Unix username to connect as",
        since=SSH_USER_FLAG,
    ),
    Flag("process-group", short="g", help="The target process group", since=SSH_GROUP_FILTER),
)
