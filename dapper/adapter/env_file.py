"""Reading ``envFile``: the ``.env`` format the VS Code Python extension reads.

One ``KEY=value`` a line (``export`` before it is allowed); ``#`` starts a
comment on its own line or after an unquoted value; values may be quoted
(``'…'`` as written, ``"…"`` with ``\\n`` escapes); ``${env:VAR}`` and
``${VAR}`` expand from the lines above and then the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")
_REFERENCE = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}")


class EnvFileError(ValueError):
    """A line of the file is not ``KEY=value``."""


def parse_env_text(text: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables ``text`` defines, references expanded against ``environ``."""
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(raw)
        if match is None:
            raise EnvFileError(f"line {number} is not KEY=value: {stripped[:60]!r}")
        key, value = match.group(1), match.group(2)
        found[key] = _value(value, {**environ, **found})
    return found


def _value(text: str, known: Mapping[str, str]) -> str:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1].replace("\\n", "\n").replace('\\"', '"')
        return _expand(inner, known)
    if " #" in text:
        text = text.split(" #", 1)[0].rstrip()
    return _expand(text, known)


def _expand(text: str, known: Mapping[str, str]) -> str:
    return _REFERENCE.sub(lambda m: known.get(m.group(1), ""), text)


def read_env_file(path: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables of the file at ``path``; ``OSError`` if it cannot be read."""
    with open(path, encoding="utf-8") as handle:
        return parse_env_text(handle.read(), environ)
