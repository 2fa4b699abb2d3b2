"""Build the instrumented twin of a code object by letting CPython compile it.

For each breakpoint line the function's tree gets, before the line's first
statement and with that statement's position::

    try:
        if <condition>: HOOK(True)       # HOOK(None) when there is no condition
    except EXC:
        HOOK(False)                      # the condition raised: core reports it

A line whose breakpoint has a hit condition (and a condition that can run in
the frame, or none) calls its own ``COUNT()`` instead of ``HOOK(True)`` /
``HOOK(None)``: a hook that counts the hit and reports it only when it matches.

``HOOK``, ``COUNT`` and ``EXC`` are compiled as unique string constants and
swapped for the hook objects and ``Exception`` in ``co_consts`` afterwards, so the twin
reads no global or builtin name the original did not. The top-level statement
holding the function is compiled, the twin is picked out by qualified name and first line, and it must
keep the original's signature, flags and variable layout, or it is refused.
"""

from __future__ import annotations

import ast
import copy
import itertools
import warnings
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from dapper._frame_eval.instrumentation.line_safety import (
    CannotInstrumentError,
    find_function_node,
    plan_insertion,
)
from dapper._frame_eval.instrumentation.source_tree import (
    SourceMismatchError,
    find_code,
    iter_codes,
    load_module_source,
)

__all__ = ["CannotInstrumentError", "build_twin", "prefilter_expression"]

_counter = itertools.count()
#: expression nodes a condition may not contain when compiled into the frame:
#: they would add locals, cells or nested code objects, or suspend the frame
_FORBIDDEN = (
    ast.NamedExpr,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Yield,
    ast.YieldFrom,
    ast.Await,
)
#: attributes that must be equal between the original and its twin
_LAYOUT = (
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_flags",
    "co_name",
    "co_qualname",
    "co_firstlineno",
    "co_filename",
    "co_varnames",
    "co_cellvars",
    "co_freevars",
)


def prefilter_expression(condition: str | None) -> ast.expr | None:
    """The condition as an expression that may run inside the frame, else None
    (then the check calls the hook every time and core evaluates it)."""
    if not condition:
        return None
    try:
        tree = ast.parse(condition.strip(), "<breakpoint condition>", mode="eval")
    except SyntaxError:
        return None
    if any(isinstance(node, _FORBIDDEN) for node in ast.walk(tree)):
        return None
    return tree.body


def _positioned(node: ast.AST, stmt: ast.stmt) -> ast.AST:
    """Give ``node`` and its children the breakpoint statement's first position."""
    for child in ast.walk(node):
        if "lineno" in child._attributes:
            child.lineno = child.end_lineno = stmt.lineno  # type: ignore[attr-defined]
            child.col_offset = child.end_col_offset = stmt.col_offset  # type: ignore[attr-defined]
    return node


def _check_statement(
    stmt: ast.stmt, condition: ast.expr | None, hook: str, exc: str, count: str | None = None
) -> ast.stmt:
    def call(arg: Any) -> ast.stmt:
        if count is not None and arg is not False:
            return ast.Expr(ast.Call(ast.Constant(count), [], []))
        return ast.Expr(ast.Call(ast.Constant(hook), [ast.Constant(arg)], []))

    if condition is None:
        return _positioned(call(None), stmt)  # type: ignore[return-value]
    check = ast.Try(
        body=[ast.If(copy.deepcopy(condition), [call(True)], [])],
        handlers=[ast.ExceptHandler(ast.Constant(exc), None, [call(False)])],
        orelse=[],
        finalbody=[],
    )
    return _positioned(check, stmt)  # type: ignore[return-value]


def build_twin(
    code: CodeType,
    conditions: Mapping[int, str | None],
    hook: Callable[[bool | None], None],
    counters: Mapping[int, Callable[[], None]] | None = None,
) -> tuple[CodeType, frozenset[int]]:
    """(twin of ``code`` with a check on each line it could take, those lines).

    ``conditions`` maps each breakpoint line of ``code`` to the condition to
    test inside the frame (None: call the hook every time). ``counters``:
    lines whose check calls this hook (no argument) instead, where the
    condition holds (or there is none) and runs in the frame. Raises
    ``CannotInstrumentError`` when no line could be instrumented or the source or
    the compiled twin do not match the original.
    """
    try:
        source = load_module_source(code.co_filename)
        original = source.original_for(code)
    except SourceMismatchError as exc:
        raise CannotInstrumentError(str(exc)) from None
    tag = next(_counter)
    hook_name, exc_name = f"\0dapper-hook-{tag}", f"\0dapper-exc-{tag}"
    count_names = {line: f"\0dapper-count-{tag}-{line}" for line in counters or ()}
    with source.lock:  # the cached tree is edited in place, then put back
        compiled = _compile_with_checks(
            source, code, original, conditions, hook_name, exc_name, count_names
        )
    if compiled is None:
        raise CannotInstrumentError(f"no breakpoint line of {code.co_qualname} can take a check")
    module, done = compiled
    twin = find_code(module, code.co_qualname, code.co_firstlineno)
    if twin is None:
        raise CannotInstrumentError("the instrumented function is missing from the compiled module")
    for name in _LAYOUT:
        if getattr(twin, name) != getattr(code, name):
            raise CannotInstrumentError(f"the condition changes {name} of {code.co_qualname}")
    replacements: dict[str, object] = {hook_name: hook, exc_name: Exception}
    for line, name in count_names.items():
        replacements[name] = counters[line]  # type: ignore[index]
    return twin.replace(co_consts=_swap_consts(twin, code, replacements)), done


def _compile_with_checks(
    source: Any,
    code: CodeType,
    original: CodeType,
    conditions: Mapping[int, str | None],
    hook_name: str,
    exc_name: str,
    count_names: Mapping[int, str],
) -> tuple[CodeType, frozenset[int]] | None:
    """Compile the top-level statement holding ``code`` with the checks
    inserted; the tree is restored before returning (None: no line taken)."""
    statement = source.top_level_for(code)
    holder = ast.Module(body=[statement], type_ignores=[])
    function = find_function_node(holder, code.co_qualname, code.co_firstlineno)
    plans = []
    for line in sorted(conditions):
        try:
            plans.append((plan_insertion(original, function, line), line))
        except CannotInstrumentError:
            continue
    if not plans:
        return None
    inserted: list[tuple[list[ast.stmt], ast.stmt]] = []
    try:
        # From the last so earlier indices stay valid within a shared body.
        for plan, line in sorted(plans, key=lambda p: (id(p[0].body), -p[0].index)):
            condition = prefilter_expression(conditions[line])
            # A condition core must evaluate: core counts the hit too.
            inline = condition is not None or not conditions[line]
            count = count_names.get(line) if inline else None
            check = _check_statement(plan.statement, condition, hook_name, exc_name, count)
            plan.body.insert(plan.index, check)
            inserted.append((plan.body, check))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "'str' object is not callable"
                module = source.compile_statement(statement)
        except (SyntaxError, ValueError) as exc:
            raise CannotInstrumentError(
                f"the instrumented source does not compile: {exc}"
            ) from None
    finally:
        for body, check in inserted:
            body[:] = [node for node in body if node is not check]
    return module, frozenset(line for _, line in plans)


def _swap_consts(
    twin: CodeType, code: CodeType, replacements: Mapping[str, object]
) -> tuple[Any, ...]:
    """The twin's constants with the sentinels swapped for the hooks and
    ``Exception``, and nested code objects swapped for the original ones (so
    functions the twin defines run the very code objects the program knows)."""
    nested = {
        (c.co_qualname, c.co_firstlineno): c for c in code.co_consts if isinstance(c, CodeType)
    }
    consts = []
    for const in twin.co_consts:
        if type(const) is str and const in replacements:
            const = replacements[const]
        elif isinstance(const, CodeType):
            mine = nested.get((const.co_qualname, const.co_firstlineno))
            if mine is None or mine != const:
                raise CannotInstrumentError(f"nested code {const.co_qualname} differs in the twin")
            const = mine
        consts.append(const)
    for inner in iter_codes(twin):
        if inner is not twin and _mentions(inner, *replacements):
            raise CannotInstrumentError("a check landed in a nested code object")
    return tuple(consts)


def _mentions(code: CodeType, *names: str) -> bool:
    return any(type(c) is str and c in names for c in code.co_consts)
