"""bin/docker-entrypoint edits (pure str -> str): make the server start run `db:prepare`.

The block is dockerfile-rails' own (Rails 8 form: it tests the last two arguments, so it also
works behind ./bin/thrust) and goes right before the final `exec "${@}"`."""

from __future__ import annotations

import re

from runner.errors import EditRefused

PREPARE_BLOCK = (
    "# If running the rails server then create or migrate existing database\n"
    'if [ "${@: -2:1}" == "./bin/rails" ] && [ "${@: -1:1}" == "server" ]; then\n'
    "  ./bin/rails db:prepare\n"
    "fi\n"
    "\n"
)
_EXEC = re.compile(r'^exec "\$\{@\}"[ \t]*\r?$|^exec "\$@"[ \t]*\r?$', re.MULTILINE)


def add_prepare(text: str) -> str:
    """Insert the db:prepare block before the single top-level `exec "${@}"`."""
    first = text.split("\n", 1)[0]
    if not re.match(r"^#!\s*(?:/usr)?/bin/(?:env\s+)?bash\b", first):
        raise EditRefused(
            f"bin/docker-entrypoint runs with {first.strip() or 'no #! line'!r}, not bash; "
            "dockerfile-rails' db:prepare block needs bash (`${@: -2:1}`, `==`): add "
            "`./bin/rails db:prepare` before the server starts by hand"
        )
    matches = list(_EXEC.finditer(text))
    if len(matches) != 1:
        raise EditRefused(
            f'bin/docker-entrypoint: expected exactly one line `exec "${{@}}"`, found '
            f"{len(matches)}; add `./bin/rails db:prepare` before the server starts by hand"
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    block = PREPARE_BLOCK.replace("\n", newline)
    start = matches[0].start()
    return text[:start] + block + text[start:]
