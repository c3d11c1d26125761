"""Small policy inputs for rule-by-rule tests (checkov / cdk-nag style).

Builds pulumi_policy's ``ResourceValidationArgs`` / ``StackValidationArgs`` offline, with props
behind pulumi_policy's unknown-checking proxy as the engine hands them over (``UNKNOWN`` marks a
value Pulumi cannot know during preview), and runs a rule through its public entry
(``Rule.evaluate``). Rules are looked up by id at call time, so ``tests/policies/mutants.py`` can
swap in a mutated rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from omsecrets.policies import pack
from omsecrets.policies.rule import Finding

#: A value Pulumi cannot know during preview.
UNKNOWN = UNKNOWN_STRING_VALUE
STACK = "urn:pulumi:test::om-secrets::pulumi:pulumi:Stack::om-secrets-test"
ENVIRONMENT = "om-secrets:index:OpenMetadataSecrets"


def urn(type_: str, name: str, parents: Sequence[str] = ()) -> str:
    """``urn:pulumi:test::om-secrets::<parent types $ type>::<name>``."""
    return f"urn:pulumi:test::om-secrets::{'$'.join([*parents, type_])}::{name}"


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def config(production: Optional[bool] = True, **extra: Any) -> dict:
    return {**({} if production is None else {"production": production}), **extra}


def resource(type_: str, props: Optional[Mapping] = None, *, name: str = "subject", parents: Sequence[str] = (),
             protect: bool = False, production: Optional[bool] = True, **policy_config: Any) -> ResourceValidationArgs:
    """One resource's inputs as a resource rule sees them."""
    return ResourceValidationArgs(type_, unknown_checking_proxy(dict(props or {})), urn(type_, name, parents), name,
                                  options(protect), None, config(production, **policy_config))


def node(type_: str, props: Optional[Mapping] = None, *, name: str = "subject", parent: Optional[PolicyResource] = None,
         depends_on: Sequence[PolicyResource] = (), property_dependencies: Optional[Mapping[str, list]] = None,
         provider: Optional[str] = None, protect: bool = False) -> PolicyResource:
    """One resource as a stack rule sees it (``parent`` also extends the URN's type chain)."""
    chain: list[str] = []
    p = parent
    while p is not None:
        chain.insert(0, p.resource_type)
        p = p.parent
    prov = PolicyProviderResource("pulumi:providers:x", unknown_checking_proxy({}), provider, "p") if provider else None
    return PolicyResource(type_, unknown_checking_proxy(dict(props or {})), urn(type_, name, chain), name,
                          options(protect), prov, parent, list(depends_on), dict(property_dependencies or {}))


def stack(*resources: PolicyResource, production: Optional[bool] = True, **policy_config: Any) -> StackValidationArgs:
    return StackValidationArgs(list(resources), config(production, **policy_config))


def findings(rule_id: str, args: Any) -> list[Finding]:
    """What the rule reports for ``args`` (through ``Rule.evaluate``: type filter, levels, production)."""
    return pack.by_id(rule_id).evaluate(args)


def messages(rule_id: str, args: Any) -> list[str]:
    return [f.message for f in findings(rule_id, args)]


def one(rule_id: str, args: Any, level: str = "mandatory") -> Finding:
    """The single finding ``args`` must produce, at ``level``."""
    found = findings(rule_id, args)
    assert len(found) == 1, [f.message for f in found]
    assert found[0].level == level, found[0]
    return found[0]


def none(rule_id: str, args: Any) -> None:
    found = findings(rule_id, args)
    assert found == [], [f.message for f in found]
