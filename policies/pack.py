"""The rule set: ``RULES`` (every rule module's RULE, sorted by id) and the Pulumi ``policies()``."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Optional

from omsecrets.policies import rules as _rules
from omsecrets.policies.rule import Rule


def _discover() -> tuple[Rule, ...]:
    found = []
    for module in pkgutil.iter_modules(_rules.__path__):
        if not module.name.startswith("_"):
            found.append(importlib.import_module(f"{_rules.__name__}.{module.name}").RULE)
    ids = [r.id for r in found]
    names = [r.name for r in found]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise ValueError(f"duplicate rule ids or names in policies.rules: {sorted(ids)}")
    return tuple(sorted(found, key=lambda r: r.id))


RULES: tuple[Rule, ...] = _discover()


def by_id(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)


def policies(production: Optional[bool] = None) -> list:
    """Pulumi policies of every rule, at the levels that apply to the stack (see Rule.to_policy)."""
    return [rule.to_policy(production) for rule in RULES]
