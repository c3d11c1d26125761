"""``Rule``: one om-secrets policy, usable by the Pulumi policy pack and by ``omsecrets check``.

A rule's ``validate(args, report)`` receives pulumi_policy's ``ResourceValidationArgs`` or
``StackValidationArgs`` and calls ``report(message, urn=None)``. ``evaluate`` runs it and returns
``Finding``s with the effective level; ``to_policy`` wraps it into a Pulumi policy whose messages
carry the rule id, the level that applies and the remediation.

Production-dependent rules (``outside_production`` other than ``"same"``) report at ``level``
in production stacks and at ``outside_production`` ("advisory", or "off": not checked) elsewhere.
Production comes from the policy config key ``production``, else the ``production`` prop of the
``OpenMetadataSecrets`` component (stack rules), else the stack config Pulumi hands the pack
(``PULUMI_CONFIG``: ``om-secrets:production``, or the environment/stack name as
``components.settings`` decides).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from omsecrets.components import core

LEVELS = ("mandatory", "advisory")
OUTSIDE_PRODUCTION = ("same", "advisory", "off")
KINDS = ("resource", "stack")
ENVIRONMENT_TYPE = core.ENVIRONMENT_TYPE

Report = Callable[..., None]


@dataclass(frozen=True)
class Finding:
    """One reported problem: the rule's message, the resource URN (None: the stack), the level."""

    message: str
    urn: Optional[str]
    level: str
    production: bool


@dataclass(frozen=True)
class Rule:
    """One policy rule (see the module docstring)."""

    id: str
    name: str
    description: str
    level: str
    remediation: str
    kind: str
    validate: Callable[[Any, Report], None] = field(repr=False)
    resource_types: tuple[str, ...] = ()
    config_schema: Optional[Mapping[str, Any]] = None
    outside_production: str = "same"

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"{self.id}: level {self.level!r} not in {LEVELS}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: kind {self.kind!r} not in {KINDS}")
        if self.outside_production not in OUTSIDE_PRODUCTION:
            raise ValueError(f"{self.id}: outside_production {self.outside_production!r} not in {OUTSIDE_PRODUCTION}")

    @property
    def production_dependent(self) -> bool:
        return self.outside_production != "same"

    def level_for(self, production: bool) -> Optional[str]:
        """The level this rule reports at (None: not checked)."""
        if production or self.outside_production == "same":
            return self.level
        return None if self.outside_production == "off" else self.outside_production

    def level_note(self, production: bool) -> str:
        """Why a production-dependent rule reports at its level ('' for the others)."""
        if not self.production_dependent:
            return ""
        if production:
            return f"{self.level}: the stack is production"
        return f"{self.outside_production} outside production; {self.level} in production stacks"

    def applies_to(self, resource_type: str) -> bool:
        return not self.resource_types or resource_type in self.resource_types

    def run(self, args: Any, sink: Callable[[Finding], None]) -> None:
        """Validate ``args``, passing each finding to ``sink`` as soon as it is reported."""
        if self.kind == "resource" and not self.applies_to(args.resource_type):
            return
        production = is_production(args)
        level = self.level_for(production)
        if level is None:
            return
        default_urn = getattr(args, "urn", None)

        def report(message: str, urn: Optional[str] = None) -> None:
            sink(Finding(message, urn or default_urn, level, production))

        self.validate(args, report)

    def evaluate(self, args: Any) -> list[Finding]:
        found: list[Finding] = []
        self.run(args, found.append)
        return found

    def format(self, finding: Finding) -> str:
        """The message a user sees: id, message, the level that applies, remediation."""
        return message_text(self.id, finding.message, self.level_note(finding.production), self.remediation)

    def to_policy(self, production: Optional[bool] = None):
        """The Pulumi policy; its enforcement level is the one that applies to ``production``
        (by default the stack Pulumi started the pack for, see ``production_from_env``)."""
        if production is None:
            production = production_from_env()
        level = EnforcementLevel(self.level_for(production) or self.level)

        def validate(args, report_violation):
            def forward(finding: Finding) -> None:
                text = self.format(finding)
                if finding.level != level.value:  # policy config `production` disagrees with the stack's config
                    text += (f" This pack run enforces it as {level.value}: set enforcementLevel {finding.level} "
                             "for this policy in the policy config.")
                report_violation(text, finding.urn)

            self.run(args, forward)

        common: dict[str, Any] = dict(
            name=self.name,
            description=self.description,
            validate=validate,
            enforcement_level=level,
            config_schema=self.policy_config_schema(),
            display_name=f"{self.id} {self.name}",
            remediation_steps=self.remediation,
        )
        return ResourceValidationPolicy(**common) if self.kind == "resource" else StackValidationPolicy(**common)

    def policy_config_schema(self) -> PolicyConfigSchema:
        schema = dict(self.config_schema or {})
        properties = {"production": {"type": "boolean"}, **dict(schema.get("properties", {}))}
        return PolicyConfigSchema(properties=properties, required=list(schema.get("required", [])) or None)


def message_text(rule_id: str, message: str, note: str, remediation: str) -> str:
    """``[<id>] <message> (<level note>) Remediation: <remediation>``."""
    return f"[{rule_id}] {message}" + (f" ({note})" if note else "") + f" Remediation: {remediation}"


def production_from_env(environ: Optional[Mapping[str, str]] = None) -> bool:
    """Production as ``components.settings`` decides it (``core.production_from_config``), from
    the config and stack name Pulumi gives the pack."""
    environ = os.environ if environ is None else environ
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        config = {}
    if not isinstance(config, Mapping):
        config = {}
    return core.production_from_config(config, environ.get("PULUMI_STACK") or "")


def is_production(args: Any) -> bool:
    """Policy config ``production``, else the environment component's prop, else the pack's env."""
    value = (args.get_config() or {}).get("production")
    if isinstance(value, bool):
        return value
    if isinstance(args, StackValidationArgs):
        for resource in args.resources:
            if resource.resource_type == ENVIRONMENT_TYPE:
                try:
                    value = resource.props.get("production")
                except UnknownValueError:
                    value = None
                if isinstance(value, bool):
                    return value
    return production_from_env()
