"""Cobra's command lookup, argument rules and usage/help text, for the simulated tree."""

from __future__ import annotations

from collections.abc import Sequence

from runner.simulator.commands import ROOT, Command
from runner.simulator.errors import UnknownCommand, UsageError
from runner.simulator.flags import Flag, takes_value, usages
from runner.simulator.flagsets import ROOT_FLAGS
from runner.simulator.render import go_quote
from runner.simulator.versions import Version


def active(flags: Sequence[Flag], version: Version) -> list[Flag]:
    """The flags this flyctl version has."""
    return [
        f
        for f in flags
        if (not f.since or version.at_least(f.since)) and (not f.until or version.before(f.until))
    ]


def names(cmd: Command, version: Version) -> tuple[str, ...]:
    """The command's name and the aliases this version knows."""
    late = tuple(alias for alias, since in cmd.alias_since if version.at_least(since))
    return (cmd.name, *cmd.aliases, *late)


def _words(args: Sequence[str], flags: Sequence[Flag]) -> list[str]:
    """cobra's stripFlags: the non-flag words, skipping the values of value flags."""
    words, rest = [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            break
        if arg.startswith("-") and takes_value(flags, arg):
            if not rest:
                break
            rest.pop(0)
        elif arg and not arg.startswith("-"):
            words.append(arg)
    return words


def _minus_first(args: list[str], word: str, flags: Sequence[Flag]) -> list[str]:
    """cobra's argsMinusFirstX: drop the first non-flag occurrence of `word`."""
    pos = 0
    while pos < len(args):
        arg = args[pos]
        if arg == "--":
            break
        if arg.startswith("-") and takes_value(flags, arg):
            pos += 2
            continue
        if not arg.startswith("-") and arg == word:
            return args[:pos] + args[pos + 1 :]
        pos += 1
    return args


def find(argv: Sequence[str], version: Version) -> tuple[list[Command], list[str]]:
    """The command path (root first) named by `argv`, and the arguments left for it."""
    path, rest = [ROOT], list(argv)
    root_flags = active(ROOT_FLAGS, version)
    while True:
        cmd = path[-1]
        flags = [*root_flags, *active(cmd.flags, version)]
        words = _words(rest, flags)
        child = next((c for c in cmd.children if words and words[0] in names(c, version)), None)
        if child is None:
            if len(path) == 1 and words and cmd.children:
                raise UnknownCommand(f'unknown command {go_quote(words[0])} for "flyctl"')
            return path, rest
        rest = _minus_first(rest, words[0], flags)
        path.append(child)


def command_path(path: Sequence[Command]) -> str:
    """`flyctl volumes create`."""
    return " ".join(c.name for c in path)


def check_args(path: Sequence[Command], args: Sequence[str]) -> None:
    """cobra's positional-argument validators."""
    rule, n = path[-1].args
    got = len(args)
    if rule == "exact" and got != n:
        raise UsageError(f"accepts {n} arg(s), received {got}")
    if rule == "max" and got > n:
        raise UsageError(f"accepts at most {n} arg(s), received {got}")
    if rule == "min" and got < n:
        raise UsageError(f"requires at least {n} arg(s), only received {got}")
    if rule == "none" and got:
        raise UsageError(f"unknown command {go_quote(args[0])} for {go_quote(command_path(path))}")


def usage(path: Sequence[Command], version: Version) -> str:
    """cobra's usage template, filled for this command."""
    cmd = path[-1]
    parent = command_path(path[:-1])
    use = cmd.use or cmd.name
    lines = ["Usage:"]
    if cmd.run is not None:
        suffix = "" if "[flags]" in use else " [flags]"
        lines.append(f"  {parent + ' ' if parent else ''}{use}{suffix}")
    if cmd.children:
        lines.append(f"  {command_path(path)} [command]")
    aliases = names(cmd, version)
    if len(aliases) > 1:
        lines += ["", "Aliases:", "  " + ", ".join(aliases)]
    if cmd.children:
        width = max(len(c.name) for c in cmd.children)
        lines += ["", "Available Commands:"]
        lines += [f"  {c.name.ljust(width)} {c.short}" for c in cmd.children]
    help_flag = Flag("help", "bool", short="h", help=f"help for {cmd.name}")
    lines += ["", "Flags:", usages([*active(cmd.flags, version), help_flag]).rstrip("\n")]
    if len(path) > 1:
        lines += ["", "Global Flags:", usages(active(ROOT_FLAGS, version)).rstrip("\n")]
    if cmd.children:
        lines += [
            "",
            f'Use "{command_path(path)} [command] --help" for more information about a command.',
        ]
    return "\n".join(lines) + "\n"


def help_text(path: Sequence[Command], version: Version) -> str:
    """`--help` output: the description, then the usage."""
    return f"{path[-1].short}\n\n{usage(path, version)}"
