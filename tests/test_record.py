"""components/record.py: a record behaves as the frozen dataclass it replaces, without generated code."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omsecrets.components.record import record


def _pair(base=None):
    """The same class body as a frozen dataclass and as a record."""

    def body(decorate):
        @decorate
        class Point:
            """A point."""

            x: int
            y: str = "y"
            tags: dict = field(default_factory=dict, compare=False)
            secret: str = field(default="", repr=False)

        return Point

    return body(dataclasses.dataclass(frozen=True)), body(record)


Data, Rec = _pair()
values = st.tuples(st.integers(), st.text(max_size=5), st.text(max_size=3))


@given(values, values)
def test_repr_eq_and_hash_match_the_generated_dataclass(a, b):
    da, ra = Data(a[0], a[1], secret=a[2]), Rec(a[0], a[1], secret=a[2])
    db, rb = Data(*b[:2], secret=b[2]), Rec(*b[:2], secret=b[2])
    assert repr(ra) == repr(da)
    assert (ra == rb) == (da == db) and (ra != rb) == (da != db)
    assert hash(ra) == hash(da)


def test_repr_is_the_dataclass_format_and_leaves_out_repr_false_fields():
    assert repr(Rec(1, tags={"a": "b"}, secret="s3cr3t")).endswith("Point(x=1, y='y', tags={'a': 'b'})")
    assert repr(Data(1, tags={"a": "b"}, secret="s3cr3t")) == repr(Rec(1, tags={"a": "b"}, secret="s3cr3t"))


def test_defaults_factories_and_compare_false():
    a, b = Rec(1), Rec(1)
    assert a.y == "y" and a.tags == {} and a.tags is not b.tags  # a new dict for each instance
    assert Rec(1, tags={"a": 1}) == Rec(1, tags={"b": 2})  # compare=False is left out of ==
    assert Rec(1) != Rec(2) and Rec(1, "a") != Rec(1, "b")
    assert Rec(1).__eq__(Data(1)) is NotImplemented


def test_frozen():
    r = Rec(1)
    with pytest.raises(FrozenInstanceError):
        r.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del r.x  # type: ignore[misc]
    assert r.x == 1


@pytest.mark.parametrize("call, message", [
    (lambda: Rec(), "missing 1 required argument: 'x'"),
    (lambda: Rec(1, "a", {}, "s", "extra"), "takes 5 positional arguments but 6 were given"),
    (lambda: Rec(1, x=2), "got multiple values for argument 'x'"),
    (lambda: Rec(1, z=2), "got an unexpected keyword argument 'z'"),
])
def test_bad_arguments_are_type_errors_as_with_dataclasses(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_dataclasses_functions_still_work():
    r = Rec(1, "a", {"k": "v"}, "s")
    assert dataclasses.is_dataclass(r)
    assert [f.name for f in dataclasses.fields(r)] == ["x", "y", "tags", "secret"]
    assert dataclasses.asdict(r) == {"x": 1, "y": "a", "tags": {"k": "v"}, "secret": "s"}
    changed = dataclasses.replace(r, y="b")
    assert changed == Rec(1, "b", {}, "s") and changed.tags == {"k": "v"} and r.y == "a"


def test_subclasses_add_fields_after_their_base():
    @record
    class Base:
        a: int
        b: str = "b"

    @record
    class Child(Base):
        c: str = "c"

    child = Child(1, "x", "y")
    assert (child.a, child.b, child.c) == (1, "x", "y") and repr(child).endswith(".Child(a=1, b='x', c='y')")
    assert Child(1) != Base(1) and Base(1) == Base(1)


def test_no_method_is_generated_per_class():
    """What makes a record cheap: every class shares the same functions."""
    @record
    class Other:
        z: int

    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__"):
        assert getattr(Rec, name) is getattr(Other, name), name
