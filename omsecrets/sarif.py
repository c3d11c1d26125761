"""SARIF 2.1.0 log of ``omsecrets check`` (one run; results located by stack file and resource URN)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"mandatory": "error", "advisory": "warning"}


def _version() -> str:
    try:
        return metadata.version("om-secrets")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def rule_descriptor(rule) -> dict[str, Any]:
    descriptor = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": LEVELS[rule.level]},
        "properties": {"kind": rule.kind, "tags": ["security", "om-secrets"]},
    }
    if rule.production_dependent:
        descriptor["properties"]["outsideProduction"] = rule.outside_production
    return descriptor


def artifact_uri(file: str) -> str:
    """A repository-relative URI for a stack file (``file://`` when it lies outside the project)."""
    path = Path(file)
    return path.as_uri() if path.is_absolute() else quote(PurePosixPath(file).as_posix())


def _result(violation, report, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(report.file)}, "region": {"startLine": 1}},
    }
    if violation.urn:
        location["logicalLocations"] = [
            {"fullyQualifiedName": violation.urn, "name": violation.resource_name or violation.urn.rsplit("::", 1)[-1],
             "kind": "resource"}
        ]
    text = violation.message + (f" ({violation.note})" if violation.note else "")
    return {
        "ruleId": violation.rule_id,
        "ruleIndex": index[violation.rule_id],
        "level": LEVELS[violation.level],
        "message": {"text": f"{text} Remediation: {violation.remediation}"},
        "locations": [location],
        "properties": {"stack": report.stack, "resourceType": violation.resource_type},
    }


def to_sarif(reports: Sequence, rules: Sequence) -> dict[str, Any]:
    """The SARIF log of ``reports`` (StackReport) with ``rules`` as the driver's rule metadata."""
    index = {rule.id: i for i, rule in enumerate(rules)}
    results = [_result(v, r, index) for r in reports for v in r.violations]
    notifications = [
        {"level": "error", "message": {"text": f"stack {r.stack}: {r.error}"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(r.file)}}}]}
        for r in reports if r.error
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "om-secrets",
                        "version": _version(),
                        "rules": [rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
