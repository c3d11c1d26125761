"""``record``: a frozen dataclass whose methods are shared, not generated.

``dataclasses.dataclass(frozen=True)`` compiles six methods from source for every class (~1-2 ms a
class); the settings model has sixteen, which made up a quarter of ``omsecrets stacks``. ``record``
keeps everything dataclasses offers (``fields``, ``replace``, ``asdict``, ``field(default_factory=)``,
type checkers' view through ``dataclass_transform``) and gives every class the same ``__init__``,
``__repr__``, ``__eq__``, ``__hash__`` and frozen ``__setattr__``/``__delattr__``, which behave as the
generated ones do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, FrozenInstanceError, field
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


def _plan(cls: type) -> tuple:
    """``(init fields as (name, default, factory), repr names, compare names, hash names)``, cached."""
    plan = cls.__dict__.get("_record_plan")
    if plan is None:
        fields = dataclasses.fields(cls)
        plan = (
            tuple((f.name, f.default, f.default_factory) for f in fields if f.init),
            tuple(f.name for f in fields if f.repr),
            tuple(f.name for f in fields if f.compare),
            tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)),
        )
        type.__setattr__(cls, "_record_plan", plan)
    return plan


def _init(self, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    init = _plan(cls)[0]
    if len(args) > len(init):
        raise TypeError(f"{cls.__qualname__}.__init__() takes {len(init) + 1} positional arguments "
                        f"but {len(args) + 1} were given")
    for (name, _, _), value in zip(init[: len(args)], args, strict=True):
        if name in kwargs:
            raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {name!r}")
        kwargs[name] = value
    for name, default, factory in init:
        if name in kwargs:
            object.__setattr__(self, name, kwargs.pop(name))
        elif default is not MISSING:
            object.__setattr__(self, name, default)
        elif factory is not MISSING:
            object.__setattr__(self, name, factory())
        else:
            raise TypeError(f"{cls.__qualname__}.__init__() missing 1 required argument: {name!r}")
    if kwargs:
        raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {next(iter(kwargs))!r}")
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _repr(self) -> str:
    names = _plan(type(self))[1]
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"


def _eq(self, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = _plan(type(self))[2]
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self) -> int:
    return hash(tuple(getattr(self, n) for n in _plan(type(self))[3]))


def _setattr(self, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass with shared methods (see the module docstring)."""
    if not cls.__doc__:  # dataclasses would build one with inspect.signature (slow)
        cls.__doc__ = cls.__name__
    cls = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    for name, method in (("__init__", _init), ("__repr__", _repr), ("__eq__", _eq), ("__hash__", _hash),
                         ("__setattr__", _setattr), ("__delattr__", _delattr)):
        setattr(cls, name, method)
    return cls
