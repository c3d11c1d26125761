"""The rule set: ``RULES`` (every rule module's RULE, sorted by id) and the Pulumi ``policies()``."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Optional

from omsecrets.policies import rules as _rules
from omsecrets.policies.rule import Rule


class DuplicateRuleError(ValueError):
    """Two rule modules declare the same rule id or name."""


def _discover() -> tuple[Rule, ...]:
    found: list[tuple[Rule, str]] = []
    for module in pkgutil.iter_modules(_rules.__path__):
        if not module.name.startswith("_"):
            loaded = importlib.import_module(f"{_rules.__name__}.{module.name}")
            found.append((loaded.RULE, loaded.__file__ or module.name))
    seen: dict[tuple[str, str], str] = {}
    for rule, path in sorted(found, key=lambda pair: pair[1]):
        for what, value in (("id", rule.id), ("name", rule.name)):
            if (what, value) in seen:
                raise DuplicateRuleError(
                    f"rule {what} {value!r} is declared twice: in {seen[what, value]} and in {path}; "
                    f"give the new rule an unused {what} (ids in use: {', '.join(sorted(r.id for r, _ in found))})")
            seen[what, value] = path
    return tuple(sorted((rule for rule, _ in found), key=lambda r: r.id))


RULES: tuple[Rule, ...] = _discover()


def by_id(rule_id: str) -> Rule:
    return next(r for r in RULES if r.id == rule_id)


def policies(production: Optional[bool] = None) -> list:
    """Pulumi policies of every rule, at the levels that apply to the stack (see Rule.to_policy)."""
    return [rule.to_policy(production) for rule in RULES]


def _level_text(rule: Rule) -> str:
    if not rule.production_dependent:
        return rule.level
    elsewhere = "not checked" if rule.outside_production == "off" else rule.outside_production
    return f"{rule.level} in production, {elsewhere} elsewhere"


def readme_table() -> str:
    """The README's rule table (one row a rule, from ``RULES``)."""
    rows = ["| id | name | level | checks |", "|---|---|---|---|"]
    for r in RULES:
        checks = r.description.replace("|", "\\|")
        rows.append(f"| `{r.id}` | `{r.name}` | {_level_text(r)} | {checks} |")
    return "\n".join(rows)
