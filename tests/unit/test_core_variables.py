"""VariableStore on live frames, as a client sees them (DAP shapes), parked in a thread (see core_inspect_support)."""

# The parked functions bind locals only for the debugger to inspect.
# ruff: noqa: F841

from __future__ import annotations

import pytest

from dapper.core.code_runner import EvaluationError, evaluate_expression
from dapper.core.variables import PROTECTED_GROUP, SPECIAL_GROUP
from tests.unit.core_inspect_support import DapStore, StoppedCall

MODULE_GLOBAL = 10


class Sample:
    """An object with every kind of attribute the variables view distinguishes."""

    kind = "sample"

    def __init__(self) -> None:
        self.value = 1
        self._hidden = 2
        self.__very_private = 3

    @property
    def doubled(self) -> int:
        return self.value * 2

    def method(self) -> int:
        return self.value


def by_name(variables: list[dict]) -> dict[str, dict]:
    return {variable["name"]: variable for variable in variables}


def locals_ref(store: DapStore, frame) -> int:
    return store.scopes(frame)[0]["variablesReference"]


def test_scopes_shape_and_counts():
    def target(stop):
        a, b = 1, 2
        stop()
        return a + b

    with StoppedCall(target) as call:
        store = DapStore()
        local_scope, global_scope = store.scopes(call.frame)
        assert local_scope["name"] == "Locals"
        assert local_scope["presentationHint"] == "locals"
        assert local_scope["expensive"] is False
        assert local_scope["namedVariables"] == 3  # stop, a, b
        assert global_scope["name"] == "Globals"
        assert global_scope["variablesReference"] != local_scope["variablesReference"]
        names = {v["name"] for v in store.variables(global_scope["variablesReference"])}
        assert {"MODULE_GLOBAL", "Sample", SPECIAL_GROUP} <= names
        assert "__name__" not in names  # grouped under special variables


def test_unassigned_locals_are_absent_and_values_are_current():
    def target(stop):
        first = 1
        stop()
        first = 5
        later = 2
        stop()
        return first + later

    call = StoppedCall(target)
    frame = call.start()
    store = DapStore()
    ref = locals_ref(store, frame)
    assert set(by_name(store.variables(ref))) == {"stop", "first"}
    call.step_to_next_stop()
    # Same frame, same reference: the listing reads the frame again.
    current = by_name(store.variables(ref))
    assert current["first"]["value"] == "5"
    assert current["later"]["value"] == "2"
    assert call.resume() == 7


def test_list_paging_with_indexed_filter_and_evaluate_names():
    def target(stop):
        big = list(range(1000, 2000))
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        big = by_name(store.variables(locals_ref(store, call.frame)))["big"]
        assert big["indexedVariables"] == 1000
        assert big["type"] == "list"
        page = store.variables(big["variablesReference"], filter="indexed", start=10, count=5)
        assert [v["name"] for v in page] == ["10", "11", "12", "13", "14"]
        assert [v["value"] for v in page] == ["1010", "1011", "1012", "1013", "1014"]
        for variable in page:
            value = evaluate_expression(call.frame, variable["evaluateName"])
            assert str(value) == variable["value"]
        tail = store.variables(big["variablesReference"], start=998, count=10)
        assert [v["name"] for v in tail] == ["998", "999"]


def test_dict_set_tuple_children():
    def target(stop):
        mapping = {"a": 1, 2: "two", (1, 2): [3]}
        bag = {7}
        pair = (1, 2)
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        rows = by_name(store.variables(locals_ref(store, call.frame)))
        assert rows["mapping"]["indexedVariables"] == 3
        assert rows["bag"]["indexedVariables"] == 1
        entries = by_name(store.variables(rows["mapping"]["variablesReference"]))
        assert set(entries) == {"'a'", "2", "(1, 2)"}
        for entry in entries.values():
            value = evaluate_expression(call.frame, entry["evaluateName"])
            assert repr(value) == entry["value"]
        (item,) = store.variables(rows["bag"]["variablesReference"])
        assert evaluate_expression(call.frame, item["evaluateName"]) == 7
        first = store.variables(rows["pair"]["variablesReference"])[0]
        assert "readOnly" in first["presentationHint"]["attributes"]


def test_object_attributes_grouped_with_hints():
    def target(stop):
        obj = Sample()
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        obj = by_name(store.variables(locals_ref(store, call.frame)))["obj"]
        assert obj["type"].endswith("Sample")
        children = by_name(store.variables(obj["variablesReference"]))
        assert obj["namedVariables"] == len(children)
        assert set(children) == {
            SPECIAL_GROUP,
            PROTECTED_GROUP,
            "value",
            "kind",
            "doubled",
            "method",
        }
        assert children[SPECIAL_GROUP]["presentationHint"]["kind"] == "virtual"
        assert children["value"]["presentationHint"]["kind"] == "data"
        assert children["method"]["presentationHint"]["kind"] == "method"
        doubled = children["doubled"]["presentationHint"]
        assert doubled["kind"] == "property" and "readOnly" in doubled["attributes"]
        assert children["doubled"]["value"] == "2"

        protected = by_name(store.variables(children[PROTECTED_GROUP]["variablesReference"]))
        assert set(protected) == {"_hidden", "_Sample__very_private"}
        assert protected["_hidden"]["presentationHint"]["visibility"] == "private"
        special = by_name(store.variables(children[SPECIAL_GROUP]["variablesReference"]))
        assert "__init__" in special and "__dict__" in special
        assert special["__class__"]["presentationHint"]["kind"] == "class"

        for row in (*children.values(), *protected.values(), *special.values()):
            if row.get("evaluateName"):
                evaluate_expression(call.frame, row["evaluateName"])  # must not raise


def test_big_object_reports_named_count_and_pages():
    class Big:
        pass

    def target(stop):
        big = Big()
        for i in range(300):
            setattr(big, f"attr{i:03d}", i)
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        big = by_name(store.variables(locals_ref(store, call.frame)))["big"]
        assert big["namedVariables"] == 300 + 1  # attributes + special variables
        page = store.variables(big["variablesReference"], filter="named", start=101, count=3)
        assert [v["name"] for v in page] == ["attr100", "attr101", "attr102"]


def test_hex_formatting_of_children():
    def target(stop):
        number = 255
        numbers = [16, 32]
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        rows = by_name(store.variables(locals_ref(store, call.frame), hex=True))
        assert rows["number"]["value"] == "0xff"
        assert rows["numbers"]["value"] == "[0x10, 0x20]"
        items = store.variables(rows["numbers"]["variablesReference"], hex=True)
        assert [v["value"] for v in items] == ["0x10", "0x20"]


def test_attribute_that_raises_is_shown_not_fatal():
    class Fragile:
        @property
        def broken(self):
            raise RuntimeError("nope")

    def target(stop):
        thing = Fragile()
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        thing = by_name(store.variables(locals_ref(store, call.frame)))["thing"]
        broken = by_name(store.variables(thing["variablesReference"]))["broken"]
        assert broken["value"] == "<error: RuntimeError: nope>"


def test_set_local_changes_the_running_function():
    def target(stop):
        x = 1
        stop()
        return x

    call = StoppedCall(target)
    frame = call.start()
    store = DapStore()
    body = store.set_variable(locals_ref(store, frame), "x", "40 + 2", frame)
    assert body["value"] == "42" and body["type"] == "int"
    assert call.resume() == 42


def test_set_cell_variable_seen_by_closure():
    def target(stop):
        count = 1

        def read():
            return count

        stop()
        return read()

    call = StoppedCall(target)
    frame = call.start()
    store = DapStore()
    store.set_variable(locals_ref(store, frame), "count", "99", frame)
    assert call.resume() == 99


def test_set_global_attribute_and_items():
    holder = Sample()

    def target(stop):
        items = [1, 2, 3]
        table = {"k": 1}
        stop()
        return items, table, holder.value, MODULE_GLOBAL

    call = StoppedCall(target)
    frame = call.start()
    store = DapStore()
    local_ref, global_ref = (scope["variablesReference"] for scope in store.scopes(frame))
    rows = by_name(store.variables(local_ref))
    store.set_variable(rows["items"]["variablesReference"], "1", "'changed'", frame)
    store.set_variable(rows["table"]["variablesReference"], "'k'", "[7]", frame)
    body = store.set_variable(rows["holder"]["variablesReference"], "value", "items[0]", frame)
    assert body["value"] == "1"
    store.set_variable(global_ref, "MODULE_GLOBAL", "11", frame)
    try:
        assert call.resume() == ([1, "changed", 3], {"k": [7]}, 1, 11)
    finally:
        globals()["MODULE_GLOBAL"] = 10


def test_set_variable_errors_are_clear():
    def target(stop):
        pair = (1, 2)
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        ref = locals_ref(store, call.frame)
        with pytest.raises(EvaluationError, match="NameError: name 'missing' is not defined"):
            store.set_variable(ref, "pair", "missing + 1", call.frame)
        pair_ref = by_name(store.variables(ref))["pair"]["variablesReference"]
        with pytest.raises(EvaluationError, match="tuple"):
            store.set_variable(pair_ref, "0", "5", call.frame)


def test_references_are_invalid_after_clear():
    def target(stop):
        data = [1]
        stop()

    with StoppedCall(target) as call:
        store = DapStore()
        ref = locals_ref(store, call.frame)
        assert store.variables(ref)
        store.clear()
        with pytest.raises(EvaluationError, match="not valid"):
            store.variables(ref)


def test_single_variable_for_an_evaluate_result():
    store = DapStore()
    row = store.variable("x", {"a": [1, 2]}, "x")
    assert row["value"] == "{'a': [1, 2]}"
    assert row["indexedVariables"] == 1 and row["evaluateName"] == "x"
    (entry,) = store.variables(row["variablesReference"])
    assert entry["evaluateName"] == "x['a']" and entry["indexedVariables"] == 2
    assert store.variable("n", 3, "n")["variablesReference"] == 0


def test_children_of_an_expression_are_parenthesised():
    store = DapStore()
    row = store.variable("a + b", [1, 2], "a + b")
    first = store.variables(row["variablesReference"])[0]
    assert first["evaluateName"] == "(a + b)[0]"
