"""``rules``: debugpy's include/exclude list that refines ``justMyCode``.

Each rule names a ``path`` (a file, a folder, or a glob such as
``**/tests/*``) or a ``module`` (a module or package and everything below it)
and whether its code counts as the user's (``include``, default true). The
first rule that matches a file decides; files no rule matches keep the usual
split (standard library and site-packages are not the user's).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple


class RuleSpec(NamedTuple):
    """One rule as asked for: a ``path`` or a ``module`` (the other empty).
    The engine reads it from the ``rules`` launch argument."""

    path: str
    module: str
    include: bool


@dataclass(frozen=True)
class Rule:
    pattern: str  # canonical path, folder (ending in os.sep) or glob
    include: bool
    is_glob: bool = False

    def matches(self, canonical: str) -> bool:
        if self.is_glob:
            return fnmatch.fnmatchcase(canonical, self.pattern)
        if self.pattern.endswith(os.sep):
            return canonical.startswith(self.pattern)
        return canonical == self.pattern


def parse_rules(
    specs: Iterable[RuleSpec], canonical: Callable[[str], str], base: str | None = None
) -> tuple[list[Rule], list[str]]:
    """The rules, and the modules that could not be found.

    ``canonical`` is the path normaliser shared with backends; ``base`` the
    folder relative paths start from.
    """
    rules: list[Rule] = []
    missing: list[str] = []
    for spec in specs:
        if spec.path:
            rules.append(_path_rule(spec.path, spec.include, canonical, base))
        else:
            location = _module_location(spec.module)
            if location is None:
                missing.append(spec.module)
            else:
                rules.append(_path_rule(location, spec.include, canonical, None))
    return rules, missing


def _path_rule(path: str, include: bool, canonical: Callable[[str], str], base: str | None) -> Rule:
    if base is not None and not os.path.isabs(path):
        path = os.path.join(base, path)
    if any(char in path for char in "*?["):
        pattern = os.path.normcase(os.path.abspath(path)).replace("**" + os.sep, "*")
        return Rule(pattern, include, is_glob=True)
    resolved = canonical(path)
    if os.path.isdir(resolved):
        resolved = resolved.rstrip(os.sep) + os.sep
    return Rule(resolved, include)


def _module_location(name: str) -> str | None:
    """The file or package folder of module ``name``, found without importing
    it (a dotted name is looked up below its top-level package's folders)."""
    top, _, rest = name.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        roots = list(spec.submodule_search_locations)
    elif spec.origin and not rest:
        return spec.origin
    else:
        return None
    parts = rest.split(".") if rest else []
    for root in roots:
        candidate = os.path.join(root, *parts)
        if os.path.isdir(candidate):
            return candidate
        if parts and os.path.isfile(candidate + ".py"):
            return candidate + ".py"
    return None


def decide(rules: Iterable[Rule], canonical: str) -> bool | None:
    """True/False from the first matching rule; None when no rule matches."""
    for rule in rules:
        if rule.matches(canonical):
            return rule.include
    return None
