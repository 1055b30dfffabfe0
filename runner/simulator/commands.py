"""The simulated command tree: names, aliases, usage lines, argument rules, flags."""

from __future__ import annotations

from dataclasses import dataclass

from runner.simulator.flags import Flag
from runner.simulator.flagsets import (
    APP,
    CONFIG,
    DETACH,
    JSON,
    SECRET_FLAGS,
    SSH_CONSOLE_FLAGS,
    VOLUME_CREATE_FLAGS,
    YES,
    deploy_flags,
)
from runner.simulator.versions import HOST_STATUS, VOLUMES_V_ALIAS


@dataclass(frozen=True)
class Command:
    """A cobra command. `args` is (rule, n) with rule exact|max|min|none|any; `app` says
    which preparer resolves the app: required, optional (the handler decides) or none.

    `run` names the handler as "module:function" (a module of this package): each call
    imports only the module of the command it runs, which keeps start-up fast."""

    name: str
    use: str = ""
    short: str = ""
    run: str | None = None
    aliases: tuple[str, ...] = ()
    args: tuple[str, int] = ("any", 0)
    flags: tuple[Flag, ...] = ()
    session: bool = True
    app: str = "required"
    children: tuple[Command, ...] = ()
    alias_since: tuple[tuple[str, str], ...] = ()


VOLUME_CREATE = Command(
    "create",
    use="create <volume name>",
    short="Create a new volume for an app.",
    run="volumes:create",
    args=("exact", 1),
    flags=VOLUME_CREATE_FLAGS,
)

VOLUMES = Command(
    "volumes",
    short="Manage Fly Volumes.",
    aliases=("volume", "vol"),
    alias_since=(("v", VOLUMES_V_ALIAS),),
    children=(
        VOLUME_CREATE,
        Command(
            "list",
            use="list",
            short="List the volumes associated with an app.",
            run="volumes:list_volumes",
            aliases=("ls",),
            flags=(
                APP,
                CONFIG,
                JSON,
                Flag(
                    "all",
                    "bool",
                    help="Show all volumes including those in destroyed states",
                    since=HOST_STATUS,
                ),
            ),
        ),
        Command(
            "show",
            use="show [id]",
            short="Show the details of the specified volume.",
            run="volumes:show",
            args=("max", 1),
            app="optional",
            flags=(APP, CONFIG, JSON),
        ),
        Command(
            "extend",
            use="extend [id]",
            short="Extend a volume to the specified size.",
            run="volumes:extend",
            args=("max", 1),
            flags=(
                APP,
                CONFIG,
                JSON,
                YES,
                Flag("size", short="s", help="Target volume size in gigabytes"),
            ),
        ),
        Command(
            "destroy",
            use="destroy [flags] ID ID ...",
            short="Destroy one or more volumes.",
            run="volumes:destroy",
            aliases=("delete", "rm"),
            args=("any", 0),
            app="optional",
            flags=(APP, CONFIG, YES),
        ),
    ),
)

SECRETS = Command(
    "secrets",
    short="Manage application secrets with the set and unset commands.",
    aliases=("secret",),
    children=(
        Command(
            "list",
            use="list [flags]",
            short="List application secret names, digests and creation times",
            run="secrets:list_secrets",
            aliases=("ls",),
            flags=(APP, CONFIG, JSON),
        ),
        Command(
            "set",
            use="set [flags] NAME=VALUE NAME=VALUE ...",
            short="Set one or more encrypted secrets for an application",
            run="secrets:set_secrets",
            args=("min", 1),
            flags=SECRET_FLAGS,
        ),
        Command(
            "unset",
            use="unset [flags] NAME NAME ...",
            short="Unset one or more encrypted secrets for an application",
            run="secrets:unset_secrets",
            args=("min", 1),
            flags=SECRET_FLAGS,
        ),
        Command(
            "import",
            use="import [flags]",
            short="Read secrets in name=value from stdin",
            run="secrets:import_secrets",
            flags=SECRET_FLAGS,
        ),
        Command(
            "deploy",
            use="deploy [flags]",
            short="Deploy staged secrets for an application",
            run="secrets:deploy",
            flags=(
                APP,
                CONFIG,
                DETACH,
                Flag(
                    "dns-checks", "bool", default=True, help="Perform DNS checks", since="0.3.182"
                ),
            ),
        ),
    ),
)

MACHINES = Command(
    "machine",
    short="Manage Fly Machines.",
    aliases=("machines", "m"),
    children=(
        Command(
            "list",
            use="list",
            short="List Fly Machines",
            run="machines:list_machines",
            aliases=("ls",),
            args=("none", 0),
            flags=(
                APP,
                CONFIG,
                JSON,
                Flag("quiet", "bool", short="q", help="Only list machine ids"),
            ),
        ),
        Command(
            "start",
            use="start [<id>...]",
            short="Start one or more Fly machines",
            run="machines:start_machines",
            flags=(APP, CONFIG),
        ),
    ),
)

SSH = Command(
    "ssh",
    short="Use SSH to log into or run commands on Machines",
    children=(
        Command(
            "console",
            use="console",
            short="Connect to a running instance of the current app.",
            run="ssh:console",
            args=("max", 1),
            flags=SSH_CONSOLE_FLAGS,
        ),
    ),
)


ROOT = Command(
    "flyctl",
    short="The Fly.io command line interface",
    children=(
        VOLUMES,
        SECRETS,
        MACHINES,
        SSH,
        Command(
            "deploy",
            use="deploy [WORKING_DIRECTORY]",
            short="Deploy Fly applications",
            run="deploy:deploy",
            args=("max", 1),
            app="none",
            flags=deploy_flags(),
        ),
        Command(
            "status",
            use="status",
            short="Show app status",
            run="machines:status",
            flags=(APP, CONFIG, JSON),
        ),
        Command(
            "version",
            use="version",
            short="Show version information for the flyctl command",
            run="misc:version",
            session=False,
            app="none",
            flags=(JSON,),
        ),
        Command(
            "auth",
            short="Manage authentication",
            children=(
                Command(
                    "whoami",
                    use="whoami",
                    short="Display the email address of the authenticated user",
                    run="misc:whoami",
                    app="none",
                    flags=(JSON,),
                ),
            ),
        ),
    ),
)
