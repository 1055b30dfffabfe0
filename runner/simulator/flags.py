"""A small pflag/cobra work-alike: flag definitions, parsing, and usage text.

Semantics follow spf13/pflag as cobra drives it: flags may appear anywhere among the
arguments, `--` ends them, `--name=value` / `--name value` / `-n value` / `-nvalue` /
clustered bool shorts `-yj`, bool flags take no separate value (`--yes=false` works), and
errors read exactly like pflag's (`unknown flag: --x`, `flag needs an argument: --size`,
`invalid argument "abc" for "-s, --size" flag: strconv.ParseInt: parsing "abc": invalid syntax`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.simulator.errors import UsageError
from runner.simulator.render import go_quote

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}
_GO_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]*|0[bB][01_]+|[1-9][0-9_]*)")


@dataclass(frozen=True)
class Flag:
    """One flag. `kind` is bool, string, int or strings (repeatable). `since`/`until` bound
    the flyctl versions that have it (`until` exclusive); empty means unbounded."""

    name: str
    kind: str = "string"
    short: str = ""
    default: Any = None
    help: str = ""
    since: str = ""
    until: str = ""
    aliases: tuple[str, ...] = ()
    hidden: bool = False

    def initial(self) -> Any:
        """The value before parsing."""
        if self.default is not None:
            return self.default
        return {"bool": False, "string": "", "int": 0, "strings": []}[self.kind]

    def label(self) -> str:
        """How pflag names the flag in messages: `-s, --size` or `--size`."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


@dataclass
class Parsed:
    """The outcome of parsing: values by flag name, which were given, and positionals."""

    values: dict[str, Any]
    specified: set[str] = field(default_factory=set)
    args: list[str] = field(default_factory=list)
    help: bool = False


def _parse_int(text: str) -> int:
    # strconv.ParseInt(s, 0, 64): base prefixes, a leading 0 means octal, `_` separators.
    if not _GO_INT.fullmatch(text) or text.endswith("_") or "__" in text:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    body = text.lstrip("+-").replace("_", "")
    sign = -1 if text.startswith("-") else 1
    if len(body) > 1 and body[0] == "0" and body[1] in "01234567oO":
        return sign * int(body.lstrip("0oO") or "0", 8)
    value = sign * int(body, 0)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _convert(flag: Flag, text: str) -> Any:
    if flag.kind == "bool":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"strconv.ParseBool: parsing {go_quote(text)}: invalid syntax")
    if flag.kind == "int":
        return _parse_int(text)
    return text


class _Parser:
    def __init__(self, flags: Sequence[Flag]) -> None:
        self.long: dict[str, Flag] = {}
        self.short: dict[str, Flag] = {}
        for flag in flags:
            for name in (flag.name, *flag.aliases):
                self.long[name] = flag
            if flag.short:
                self.short[flag.short] = flag
        self.result = Parsed(values={f.name: f.initial() for f in flags})

    def set(self, flag: Flag, text: str) -> None:
        try:
            value = _convert(flag, text)
        except ValueError as exc:
            raise UsageError(
                f"invalid argument {go_quote(text)} for {go_quote(flag.label())} flag: {exc}"
            ) from None
        if flag.kind == "strings":
            value = (
                [*self.result.values[flag.name], value]
                if flag.name in self.result.specified
                else [value]
            )
        self.result.values[flag.name] = value
        self.result.specified.add(flag.name)

    def long_flag(self, arg: str, rest: list[str]) -> None:
        name, eq, value = arg[2:].partition("=")
        if name == "help":
            self.result.help = True
            return
        flag = self.long.get(name)
        if flag is None:
            raise UsageError(f"unknown flag: --{name}")
        if eq:
            self.set(flag, value)
        elif flag.kind == "bool":
            self.set(flag, "true")
        elif rest:
            self.set(flag, rest.pop(0))
        else:
            raise UsageError(f"flag needs an argument: --{name}")

    def short_flags(self, arg: str, rest: list[str]) -> None:
        chars = arg[1:]
        while chars:
            char, chars = chars[0], chars[1:]
            if char == "h" and "h" not in self.short:
                self.result.help = True
                continue
            flag = self.short.get(char)
            if flag is None:
                raise UsageError(f"unknown shorthand flag: '{char}' in {arg}")
            if chars.startswith("="):
                self.set(flag, chars[1:])
                return
            if flag.kind == "bool":
                self.set(flag, "true")
            elif chars:
                self.set(flag, chars)
                return
            elif rest:
                self.set(flag, rest.pop(0))
            else:
                raise UsageError(f"flag needs an argument: '{char}' in -{char}")

    def run(self, argv: Sequence[str]) -> Parsed:
        rest = list(argv)
        while rest:
            arg = rest.pop(0)
            if arg == "--":
                self.result.args.extend(rest)
                break
            if arg.startswith("--"):
                self.long_flag(arg, rest)
            elif arg.startswith("-") and arg != "-":
                self.short_flags(arg, rest)
            else:
                self.result.args.append(arg)
        return self.result


def parse(argv: Sequence[str], flags: Sequence[Flag]) -> Parsed:
    """Parse `argv` against `flags`; UsageError with pflag's text on a bad flag."""
    return _Parser(flags).run(argv)


def takes_value(flags: Sequence[Flag], arg: str) -> bool:
    """Whether `arg` (a lone `--name` or `-n`) consumes the next argument, as cobra's
    command lookup assumes (unknown flags are assumed to take a value)."""
    if "=" in arg:
        return False
    if arg.startswith("--"):
        name = arg[2:]
        return not any(f.kind == "bool" and name in (f.name, *f.aliases) for f in flags)
    if len(arg) == 2:
        return not any(f.kind == "bool" and f.short == arg[1] for f in flags)
    return False


def usages(flags: Sequence[Flag]) -> str:
    """pflag's FlagUsages block: aligned `  -a, --app string   help (default …)` lines."""
    lines = []
    for flag in sorted((f for f in flags if not f.hidden), key=lambda f: f.name):
        left = f"  -{flag.short}, --{flag.name}" if flag.short else f"      --{flag.name}"
        kind = {"bool": "", "strings": " stringArray"}.get(flag.kind, f" {flag.kind}")
        default = ""
        if flag.default not in (None, False, "", 0, []):
            shown = go_quote(flag.default) if isinstance(flag.default, str) else flag.default
            default = f" (default {str(shown).lower() if isinstance(shown, bool) else shown})"
        lines.append((left + kind, flag.help + default))
    width = max((len(left) for left, _ in lines), default=0)
    return "".join(f"{left.ljust(width)}   {text}\n" for left, text in lines)
