"""OMS-FERNET-004: a key generation is never deleted in the update that makes a new one primary.

Without history: from the ring's props, every generation below the primary that left the ring
must be below ``reencryptedTo`` (checked when the props carry ``reencryptedTo`` or ``application``,
i.e. the ring's inputs). With a baseline (policy config ``baseline``: a previous
``omsecrets preview --json`` document, a ``pulumi stack export``, or a path to either): any ring
whose primary changed while a generation resource it had in the baseline is gone.
"""

import json
from pathlib import Path

from pulumi_policy.proxy import UnknownValueError

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

RING_TYPE = core.FERNET_RING_TYPE
KEY_TYPE = "random:index/randomBytes:RandomBytes"


def lost_generations(generations, reencrypted_to) -> list[int]:
    """Generations below the primary that left the ring before values were re-encrypted past them."""
    primary = generations[0]
    return [g for g in range(1, primary) if g not in generations and (reencrypted_to is None or g >= reencrypted_to)]


def _generations(props) -> list[int]:
    gens = props.get("generations")
    return [int(g) for g in gens if isinstance(g, (int, float))] if isinstance(gens, list) else []


def _primary(props):
    primary = props.get("primaryGeneration")
    if isinstance(primary, (int, float)):
        return int(primary)
    gens = _generations(props)
    return gens[0] if gens else None


def load_baseline(value) -> list[dict]:
    """Resources of a baseline document (preview document, stack export, or a path to one)."""
    if isinstance(value, str):
        value = json.loads(Path(value).read_text(encoding="utf-8"))
    value = u.plain(value) or {}
    deployment = value.get("deployment") or value.get("checkpoint", {}).get("latest") or {}
    return list(value.get("resources") or deployment.get("resources") or [])


def baseline_rings(resources: list[dict]) -> dict[str, tuple]:
    """``{ring urn: (primary generation, {key resource urns})}``."""
    rings = {}
    for r in resources:
        if r.get("type") == RING_TYPE:
            props = {**(r.get("outputs") or {}), **(r.get("inputs") or {})}
            rings[r["urn"]] = (_primary(props), set())
    for r in resources:
        if r.get("type") == KEY_TYPE and r.get("parent") in rings:
            rings[r["parent"]][1].add(r["urn"])
    return rings


def validate(args, report):
    baseline = args.get_config().get("baseline")
    before = baseline_rings(load_baseline(baseline)) if baseline else {}
    present = {r.urn for r in args.resources}
    for ring in u.of_type(args.resources, RING_TYPE):
        try:
            props = u.plain(ring.props)
        except UnknownValueError:
            continue
        gens, primary = _generations(props), _primary(props)
        if gens and ("reencryptedTo" in props or "application" in props):
            reencrypted = props.get("reencryptedTo")
            lost = lost_generations(gens, int(reencrypted) if isinstance(reencrypted, (int, float)) else None)
            if lost:
                done = f"reencryptedTo is {reencrypted}" if reencrypted is not None else "reencryptedTo is not set"
                report(f"ring {ring.name} {gens} drops generation(s) {', '.join(map(str, lost))}, but a generation may "
                       f"leave only below reencryptedTo ({done}): values encrypted with it would be lost", ring.urn)
        if ring.urn in before:
            old_primary, old_keys = before[ring.urn]
            gone = sorted(k.rsplit("::", 1)[-1] for k in old_keys - present)
            if gone and primary is not None and old_primary is not None and primary != old_primary:
                report(f"ring {ring.name}: this update makes generation {primary} primary (was {old_primary}) and "
                       f"deletes {', '.join(gone)} in the same update; values not yet re-encrypted become unreadable",
                       ring.urn)


RULE = Rule(
    id="OMS-FERNET-004",
    name="fernet-generation-retained",
    description="Fernet rotation keeps the old key until every value is re-encrypted: never add a primary "
    "and delete a generation in one update.",
    level="mandatory",
    remediation="Rotate in three updates: generations [new, old]; re-encrypt (`airflow rotate-fernet-key` or "
    "the rotation Job) and set reencryptedTo: new; only then drop old.",
    kind="stack",
    config_schema={"properties": {"baseline": {"type": ["object", "string"]}}},
    validate=validate,
)
