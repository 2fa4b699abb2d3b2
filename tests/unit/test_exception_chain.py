"""``exception_chain`` (pdb's ``exceptions`` order) and ``exception_repr``."""

from __future__ import annotations

from dapper.core.exception_info import exception_chain, exception_repr


def _raised(make):
    try:
        make()
    except BaseException as exc:  # (any exception is the value under test)
        return exc
    raise AssertionError("did not raise")


def test_the_first_raised_comes_first_cause_and_context_alike():
    def chained():
        try:
            try:
                int("x")
            except ValueError as exc:
                raise KeyError("k") from exc
        except KeyError:
            raise RuntimeError("while handling")  # noqa: B904 - the implicit context is the point

    chain = exception_chain(_raised(chained))
    assert [type(e).__name__ for e in chain] == ["ValueError", "KeyError", "RuntimeError"]


def test_suppressed_context_ends_the_chain_and_a_cycle_is_cut():
    def suppressed():
        try:
            int("x")
        except ValueError:
            raise KeyError("k") from None

    assert [type(e).__name__ for e in exception_chain(_raised(suppressed))] == ["KeyError"]
    a, b = ValueError("a"), ValueError("b")
    a.__cause__, b.__cause__ = b, a
    assert exception_chain(a) == [b, a]


def test_repr_falls_back_when_the_programs_repr_raises():
    class OddError(Exception):
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    assert exception_repr(KeyError("k")) == "KeyError('k')"
    assert exception_repr(OddError("msg")).startswith("OddError: ")
