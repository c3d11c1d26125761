"""The lifecycle guard: what ``pulumi up`` would destroy between a stack's previous plan and its new one.

Pure functions over two ``omsecrets preview --json`` documents. Key material is matched by its
logical identity, never by URN, so a rename in the same edit cannot hide a loss:

=================================  ======================================================
``fernet.<app>.generation.<n>``    a Fernet ring generation (generated RandomBytes or imported)
``jwt.keypair``                    OM's JWT signing pair (generated tls PrivateKey or imported)
``airflow.<secret>``               a generated Airflow secret (api-secret-key, jwt-secret, ..., server-password)
``password.<name>``                a generated bootstrap password (RandomPassword)
``secret.<name>``                  a secret seeded into the store, at its OM id
``vault.store`` / ``vault.keys``   a Key Vault om-secrets creates (deleting it deletes every secret in it)
``namespace.<name>``               a namespace om-secrets creates, unless it is retained on delete
``kms.key``                        the customer-managed KMS key
``access-key.<identity>``          an IAM access key (``server``, ``ingestion``)
``protection`` / ``production``    the stack's protection of key material / production flag
=================================  ======================================================

What replaces a resource, and what names it, comes from one table of every resource type the project
declares (:mod:`omsecrets.components.resource_types`); a resource that moves to another region,
subscription, project or cluster (its ``placement`` in the preview) is a replacement too.

A loss is a finding unless the new stack config acknowledges exactly that subject
(``om-secrets:acknowledge: [{drop: <subject>, reason: <why>}]``); an acknowledgement that
matches no loss of this change is a finding too (a typo acknowledges nothing, and an
acknowledgement is removed once the change is applied).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from omsecrets.components import airflow, core, resource_types
from omsecrets.components.key_material import JWT_KEYPAIR

RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
KMS_KEY = "aws:kms/key:Key"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
JOB = "kubernetes:batch/v1:Job"
#: What replacing each generated Airflow secret costs.
AIRFLOW_COSTS = airflow.subjects()
#: What losing or replacing OM's JWT pair costs (OM's key-rotation docs call it a hard cut).
JWT_COST = ("every bot gets 401 until its token is regenerated, every pipeline must be redeployed so the new "
            "bot token reaches Airflow, and every personal access token stops working (a hard cut: see the README's "
            "JWT key rotation runbook)")
#: The Job ``omsecrets`` declares for step 2 of an Airflow rotation (components.environment).
ROTATION_JOB = re.compile(r"airflow-rotate-fernet-key-gen-(\d+)$")
_GENERATION = re.compile(r"-gen-(\d+)$")


# --------------------------------------------------------------------------- inventory


@dataclass(frozen=True)
class Item:
    """One piece of key material (or a store secret) of a plan."""

    subject: str
    kind: str  # generated | imported | password | secret | kms-key | access-key (jwt.keypair: generated | imported)
    resource: Optional[str] = None  # "<type> <name>"
    urn: Optional[str] = None
    answers: frozenset[str] = frozenset()  # the URN and every alias (stack part aside): what the engine matches
    fingerprint: tuple = ()
    location: Optional[str] = None  # store secrets: where it lives (type, namespace/vault, id)
    source: Optional[str] = None  # imported generations: the config key holding the key
    protect: bool = False
    rtype: Optional[str] = None
    placement: tuple = ()  # (key, value) pairs: region / subscription / project / cluster
    retained: bool = False  # retainOnDelete: Pulumi never deletes it
    transitions: tuple = ()  # (input, value) of the inputs that replace on one transition only


@dataclass(frozen=True)
class Ring:
    generations: tuple[int, ...] = ()
    reencrypted_to: Optional[int] = None

    @property
    def primary(self) -> Optional[int]:
        return self.generations[0] if self.generations else None


@dataclass(frozen=True)
class Plan:
    """What the guard reads from one preview document."""

    items: Mapping[str, Item] = field(default_factory=dict)
    rings: Mapping[str, Ring] = field(default_factory=dict)
    rotation_jobs: frozenset[int] = frozenset()
    production: Optional[bool] = None
    acknowledged: Mapping[str, str] = field(default_factory=dict)  # subject -> reason
    environment: Optional[str] = None
    restart_digests: Mapping[str, str] = field(default_factory=dict)  # app -> its pods' secrets digest


def _dig(value: Any, dotted: str) -> Any:
    return resource_types.dig(value, dotted)


def _suffix(name: str, parent: Optional[Mapping]) -> str:
    prefix = f"{parent['name']}-" if parent else ""
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def _unstacked(urn: str) -> str:
    """A URN without its stack part: ``pulumi stack rename`` rewrites that part in state itself."""
    return re.sub(r"^urn:pulumi:[^:]*::", "urn:pulumi:*::", urn)


def _kind_of(rtype: str) -> str:
    """``aws:secretsmanager/secret:Secret`` -> ``aws secretsmanager Secret``."""
    package, module, name = (rtype.split(":") + ["", ""])[:3]
    return f"{package} {module.split('/')[0]} {name}".replace("core ", "")


def _location(r: Mapping) -> str:
    """``<kind> <identity inputs joined by />``: where a store secret, vault or namespace lives."""
    identity = resource_types.TYPES[r["type"]].identity
    return f"{_kind_of(r['type'])} " + "/".join(str(_dig(r.get("inputs") or {}, k)) for k in identity)


def plan(document: Mapping) -> Plan:
    """The key material, rings, rotation Jobs, production flag and acknowledgements of a preview."""
    resources = [r for r in document.get("resources") or [] if isinstance(r, Mapping)]
    by_urn = {r.get("urn"): r for r in resources}
    items: dict[str, Item] = {}
    rings: dict[str, Ring] = {}
    jobs: set[int] = set()
    production = environment = None
    acknowledged: dict[str, str] = {}
    digests: dict[str, str] = {}

    def add(subject: str, kind: str, r: Mapping, *, also: tuple = (), **extra) -> None:
        inputs = r.get("inputs") or {}
        options = r.get("options") or {}
        kind_of = resource_types.TYPES.get(r["type"])
        placement = r.get("placement")
        items[subject] = Item(
            subject=subject, kind=kind, resource=f"{r['type']} {r['name']}", urn=r.get("urn"),
            answers=frozenset(_unstacked(u) for u in [r.get("urn"), *(options.get("aliases") or [])] if isinstance(u, str)),
            fingerprint=tuple((k, _dig(inputs, k)) for k in (kind_of.create_only if kind_of else ())) + also,
            protect=bool(options.get("protect")), rtype=r["type"], retained=bool(options.get("retainOnDelete")),
            placement=tuple(sorted(placement.items())) if isinstance(placement, Mapping) else (),
            transitions=tuple((k, _dig(inputs, k)) for k in sorted((kind_of.downgrades or {}) if kind_of else ())),
            **extra,
        )

    for r in resources:
        parent = by_urn.get(r.get("parent"))
        parent_type = parent.get("type") if parent else None
        inputs = r.get("inputs") or {}
        rtype = r.get("type")
        role = (resource_types.TYPES[rtype].role if rtype in resource_types.TYPES else None)
        if rtype == core.ENVIRONMENT_TYPE:
            production = inputs.get("production") if isinstance(inputs.get("production"), bool) else production
            environment = inputs.get("environment")
            found = inputs.get("restartDigests")
            digests = {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, Mapping) else {}
            for entry in inputs.get("acknowledge") or []:
                if isinstance(entry, Mapping) and isinstance(entry.get("drop"), str):
                    acknowledged[entry["drop"]] = str(entry.get("reason") or "")
        elif rtype == core.FERNET_RING_TYPE:
            app = inputs.get("application")
            gens = tuple(g for g in inputs.get("generations") or [] if isinstance(g, int))
            rings[app] = Ring(gens, inputs.get("reencryptedTo") if isinstance(inputs.get("reencryptedTo"), int) else None)
            sources = inputs.get("importedFrom") or {}
            for gen in inputs.get("importedGenerations") or []:
                items[f"fernet.{app}.generation.{gen}"] = Item(
                    subject=f"fernet.{app}.generation.{gen}", kind="imported",
                    resource=f"{rtype} {r['name']} (imported generation {gen})", urn=r.get("urn"),
                    source=sources.get(str(gen)) if isinstance(sources, Mapping) else None,
                )
        elif rtype == core.JWT_KEY_PAIR_TYPE and inputs.get("imported") is True:
            items[JWT_KEYPAIR] = Item(
                subject=JWT_KEYPAIR, kind="imported", resource=f"{rtype} {r['name']} (imported)", urn=r.get("urn"),
                fingerprint=(("keyId", inputs.get("keyId")),),
                source=inputs.get("importedFrom") if isinstance(inputs.get("importedFrom"), str) else None,
            )
        elif rtype == TLS_PRIVATE_KEY and parent_type == core.JWT_KEY_PAIR_TYPE:
            # The key id (a thumbprint unless jwt.keyId overrides it) is in every token: changing it is a hard cut too.
            add(JWT_KEYPAIR, "generated", r, also=(("keyId", (parent.get("inputs") or {}).get("keyId")),))
        elif rtype in (RANDOM_BYTES, RANDOM_PASSWORD) and parent_type == core.AIRFLOW_SECRETS_TYPE:
            add(f"airflow.{_suffix(r['name'], parent)}", "generated", r)
        elif rtype == RANDOM_BYTES and parent_type == core.FERNET_RING_TYPE:
            match = _GENERATION.search(r["name"])
            if match:
                add(f"fernet.{parent['inputs'].get('application')}.generation.{int(match.group(1))}", "generated", r)
        elif rtype == RANDOM_PASSWORD and parent_type == core.BOOTSTRAP_TYPE:
            add(f"password.{_suffix(r['name'], parent)}", "password", r)
        elif rtype == KMS_KEY and parent_type == core.KMS_KEY_TYPE:
            suffix = _suffix(r["name"], parent)
            add("kms.key" if suffix == parent["name"] else f"kms.key.{suffix}", "kms-key", r)
        elif rtype == ACCESS_KEY:
            add(f"access-key.{_suffix(r['name'], parent)}", "access-key", r)
        elif rtype == JOB:
            match = ROTATION_JOB.search(str(_dig(inputs, "metadata.name") or ""))
            if match:
                jobs.add(int(match.group(1)))
        elif role == "store-secret" and parent_type and parent_type.startswith(f"{core.PACKAGE}:stores:"):
            add(f"secret.{_suffix(r['name'], parent)}", "secret", r, location=_location(r))
        elif role == "vault":
            suffix = _suffix(r["name"], parent)
            add(f"vault.{'store' if suffix == 'vault' else suffix.removesuffix('-vault')}", "vault", r, location=_location(r))
        elif role == "namespace":
            add(f"namespace.{_suffix(r['name'], parent).removeprefix('ns-')}", "namespace", r, location=_location(r))
        elif role == "key" and r.get("custom"):  # key material under a component the guard does not know yet
            add(f"key.{r['name']}", "generated", r)
    # A generation that is imported has no RandomBytes: the ring's entry stands for it.
    return Plan(items=items, rings=rings, rotation_jobs=frozenset(jobs), production=production,
                acknowledged=acknowledged, environment=environment if isinstance(environment, str) else None,
                restart_digests=digests)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Finding:
    """One loss the change would cause (or one acknowledgement that matches no loss)."""

    subject: str
    message: str
    resource: Optional[str] = None
    urn: Optional[str] = None
    acknowledged: Optional[str] = None  # the acknowledgement's reason when acknowledged
    kind: str = "loss"  # loss | acknowledgement

    @property
    def remediation(self) -> str:
        if self.kind == "acknowledgement":
            return f"Remove the acknowledgement of {self.subject!r} from om-secrets:acknowledge (or fix its subject)."
        return (f"Undo the change, or if the loss is intended add `{{drop: {self.subject}, reason: <why>}}` to "
                "om-secrets:acknowledge in the stack file (remove it once applied).")


def _generation(subject: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"fernet\.([a-z]+)\.generation\.(\d+)", subject)
    return (match.group(1), int(match.group(2))) if match else None


def _rotation_evidence(app: str, gen: int, before: Plan, after: Plan) -> bool:
    """The values under ``gen`` were re-encrypted to the new primary in an earlier ``pulumi up``.

    Only Airflow has a re-encryption command. Evidence is the baseline's completed rotation Job for
    the new primary (``pulumi up`` waits for it) or the baseline's record ``reencryptedTo`` of it
    (accepted, and so checked, when it was recorded).
    """
    if app != core.AIRFLOW_APP:
        return False
    old, new = before.rings.get(app), after.rings.get(app)
    if not old or not new or new.primary is None or new.primary == gen or new.primary not in old.generations:
        return False
    job = new.primary in before.rotation_jobs and old.primary == new.primary
    return job or old.reencrypted_to == new.primary


def _losses(before: Plan, after: Plan) -> Iterable[Finding]:
    for subject, old in sorted(before.items.items()):
        new = after.items.get(subject)
        gen = _generation(subject)
        where = dict(resource=old.resource, urn=old.urn)
        if new is None:
            if gen and _rotation_evidence(gen[0], gen[1], before, after):
                continue
            if old.retained and old.kind == "namespace":
                continue  # retainOnDelete: Pulumi forgets it, the cluster keeps it and everything in it
            yield Finding(subject, _deleted(old, gen, before, after), **where)
            continue
        if old.kind != new.kind:
            lost = (f"the {old.kind} pair is lost: {JWT_COST}" if subject == JWT_KEYPAIR else
                    f"the {old.kind} key of that generation is lost and every value encrypted with it")
            yield Finding(subject, f"{subject} changes from {_a(old.kind)} key to {_a(new.kind)} one: {lost}", **where)
            continue
        if old.kind == "imported":
            if old.source and new.source and old.source != new.source:
                yield Finding(subject, f"{subject}: the imported key now comes from config key {new.source!r} instead "
                              f"of {old.source!r}; if the value differs, the running deployment's key is lost", **where)
            yield from _key_id_change(subject, old, new, where)
            continue
        if old.urn and _unstacked(old.urn) not in new.answers:
            yield Finding(subject, f"{subject}: {old.resource} is now declared as {new.resource} with no alias from "
                          f"{old.urn}; Pulumi would delete it and create a new one{_cost(subject)}", **where)
        was = dict(old.fingerprint)
        changed = [f"{k} {was.get(k)!r} -> {v!r}" for k, v in new.fingerprint if was.get(k) != v and k != "keyId"]
        changed += [f"{k} {frm!r} -> {to!r}" for k, frm, to in _downgraded(old, new)]
        if changed:
            what = {"vault": "a new, empty vault; the old one is deleted with every secret in it",
                    "secret": "a new secret; the old one is deleted with every version of its value"}.get(old.kind, "a new value")
            yield Finding(subject, f"{subject}: {', '.join(changed)} replaces {old.resource} ({what}){_cost(subject)}",
                          **where)
        yield from _key_id_change(subject, old, new, where)
        moved = old.location and new.location and old.location != new.location
        if moved and not (old.retained and old.kind == "namespace"):
            yield Finding(subject, f"{subject} moves from {old.location} to {new.location}: {_move_cost(old)}", **where)
        elif old.placement and new.placement and old.placement != new.placement:
            shown = lambda p: ", ".join(f"{k} {v}" for k, v in p)  # noqa: E731
            yield Finding(subject, f"{subject}: {old.resource} moves from {shown(old.placement)} to {shown(new.placement)}: "
                          "Pulumi replaces it there (or keeps addressing it where it does not exist), so what it "
                          f"holds in {shown(old.placement)} is lost to the stack{_cost(subject)}", **where)
    yield from _reencryption_records(before, after)
    yield from _rotation_order(before, after)
    lowered = sorted(s for s, old in before.items.items()
                     if old.protect and s in after.items and after.items[s].kind == old.kind and not after.items[s].protect)
    if lowered:
        yield Finding("protection", f"protection is turned off for {', '.join(lowered)}: Pulumi would then let an "
                      "update or destroy delete them")
    if before.production is True and after.production is False:
        yield Finding("production", "production is turned off (was on in the baseline): protection, recovery windows "
                      "and mandatory rules follow it")


def _downgraded(old: Item, new: Item) -> list[tuple[str, Any, Any]]:
    """Inputs that replace only on one transition (SSM ``tier`` Advanced -> Standard), taken by this change."""
    downgrades = (resource_types.TYPES[old.rtype].downgrades if old.rtype in resource_types.TYPES else None) or {}
    was, now = dict(old.transitions), dict(new.transitions)
    return [(k, frm, to) for k, (frm, to) in sorted(downgrades.items()) if (was.get(k), now.get(k)) == (frm, to)]


def _move_cost(old: Item) -> str:
    if old.kind == "vault":
        return ("Pulumi creates a new vault and deletes this one with every secret in it (soft-deleted: recoverable "
                "until its retention ends); OM's `secret:` references and the values the OM server wrote are lost")
    if old.kind == "namespace":
        return "Pulumi deletes this namespace with every Secret in it, the ones the OM server wrote included"
    return "OM's `secret:` references to the old id break and values the OM server wrote there are lost"


def _cost(subject: str) -> str:
    """``: <what replacing it costs>`` for the JWT pair and the generated Airflow secrets, else ''."""
    if subject == JWT_KEYPAIR:
        return f": {JWT_COST}"
    return f": {AIRFLOW_COSTS[subject]}" if subject in AIRFLOW_COSTS else ""


def _key_id_change(subject: str, old: Item, new: Item, where: Mapping) -> Iterable[Finding]:
    """``jwt.keyId`` set, changed or unset: the kid every token carries changes."""
    before, after = dict(old.fingerprint).get("keyId"), dict(new.fingerprint).get("keyId")
    if subject == JWT_KEYPAIR and before != after:
        shown = {None: "the key's thumbprint"}
        yield Finding(subject, f"{subject}: jwt.keyId {shown.get(before, repr(before))} -> {shown.get(after, repr(after))} "
                      f"changes the kid of every token: {JWT_COST}", **where)


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _deleted(old: Item, gen, before: Plan, after: Plan) -> str:
    if gen and old.kind == "imported":
        return (f"{old.subject}: the imported key (the running deployment's) leaves the ring; values still "
                "encrypted with it could no longer be read")
    if gen and gen[0] == core.AIRFLOW_APP:
        new = after.rings.get(gen[0])
        return (f"{old.subject} ({old.resource}) leaves the ring without evidence that every value was re-encrypted "
                f"to generation {new.primary if new else '?'}: run step 2 of the rotation runbook first "
                "(fernet.rotationJob.run: true and `pulumi up`, then record reencryptedTo), or acknowledge a "
                "rotation run by hand")
    if old.subject == JWT_KEYPAIR:
        return f"{old.subject}: {old.resource} would be deleted (OM's JWT signing pair): {JWT_COST}"
    if old.subject in AIRFLOW_COSTS:
        return f"{old.subject}: {old.resource} would be deleted: {AIRFLOW_COSTS[old.subject]}"
    if gen:
        return (f"{old.subject} ({old.resource}) leaves OM's ring: OM has no re-encryption command "
                "(`migrate-secrets` re-encrypts only some fields), so values encrypted with it would be lost")
    what = {"password": "the generated password (the database still expects it)",
            "secret": f"the store secret at {old.location} (OM may still hold `secret:` references to it)",
            "kms-key": "the KMS key (everything encrypted with it becomes unreadable once deleted)",
            "vault": (f"the Key Vault at {old.location} and every secret in it (soft-deleted: recoverable until its "
                      "retention ends; if it is protected, `pulumi up` stops there instead). To keep the vault and "
                      "stop managing it, `pulumi state delete` it first"),
            "namespace": f"the namespace at {old.location} and every Secret in it, the ones the OM server wrote included",
            "access-key": "the IAM access key (the apps using it lose access)"}.get(old.kind, "it")
    return f"{old.subject}: {old.resource} would be deleted, and with it {what}"


def _rotation_order(before: Plan, after: Plan) -> Iterable[Finding]:
    """The rotation Job (step 2) may run only once the new ring is deployed and every Airflow pod restarted
    on it (step 1): the baseline must show the same ring, and the same secrets digest on the Airflow pods."""
    old, new = before.rings.get(core.AIRFLOW_APP), after.rings.get(core.AIRFLOW_APP)
    if new is None or old is None:
        return
    for gen in sorted(after.rotation_jobs - before.rotation_jobs):
        ring_deployed = old.generations == new.generations
        was, now = before.restart_digests.get(core.AIRFLOW_APP), after.restart_digests.get(core.AIRFLOW_APP)
        restarted = was is None or now is None or was == now  # baselines made before digests: the ring decides
        if ring_deployed and restarted:
            continue
        at_risk = [g for g in old.generations if g != gen] or list(old.generations)
        subject = f"fernet.{core.AIRFLOW_APP}.generation.{at_risk[0]}"
        why = (f"the baseline runs ring {list(old.generations)}, not {list(new.generations)}" if not ring_deployed
               else "the baseline's Airflow pods carry another secrets digest (they did not restart on this ring)")
        yield Finding(subject, f"{subject}: the rotation Job for generation {gen} is declared, but {why}: Airflow pods still on "
                      f"the old ring would keep writing values with generation {at_risk[0]} after the Job re-encrypted "
                      "the rest; apply step 1 (the ring [new, old], whose digest restarts every Airflow pod on "
                      "`helm upgrade`) and declare the Job in the next change",
                      resource=f"{JOB} airflow-rotate-fernet-key-gen-{gen}")


def _reencryption_records(before: Plan, after: Plan) -> Iterable[Finding]:
    """``reencryptedTo`` newly recorded without evidence makes older generations droppable later."""
    for app, new in sorted(after.rings.items()):
        old = before.rings.get(app)
        if new.reencrypted_to is None or old is None or old.reencrypted_to == new.reencrypted_to:
            continue
        if app == core.AIRFLOW_APP and new.reencrypted_to in before.rotation_jobs and old.primary == new.reencrypted_to:
            continue
        for gen in new.generations:
            if gen != new.reencrypted_to and gen in old.generations:
                subject = f"fernet.{app}.generation.{gen}"
                yield Finding(subject, f"fernet.{app}.reencryptedTo: {new.reencrypted_to} is recorded, but the baseline "
                              f"shows no completed rotation Job for generation {new.reencrypted_to}: {subject} could "
                              "then leave the ring with values still encrypted with it; run the rotation Job "
                              "(fernet.rotationJob.run: true) first, or acknowledge a rotation run by hand",
                              resource=f"{core.FERNET_RING_TYPE} {app}")


def guard(before: Optional[Mapping], after: Mapping) -> list[Finding]:
    """Every unacknowledged loss from ``before`` to ``after`` and every unused acknowledgement.

    ``before`` None (a stack new in this change): nothing can be lost, so every acknowledgement is unused.
    """
    old, new = (plan(before) if before is not None else Plan()), plan(after)
    findings, used = [], set()
    seen: set[tuple[str, str]] = set()
    for f in _losses(old, new):
        if (f.subject, f.message) in seen:
            continue
        seen.add((f.subject, f.message))
        if f.subject in new.acknowledged:
            used.add(f.subject)
            continue
        findings.append(f)
    for subject in sorted(set(new.acknowledged) - used):
        applied = subject not in old.items and subject not in ("protection", "production")
        kept = subject in old.items and subject in new.items  # e.g. jwt.keypair after its rotation was applied
        hint = ("it was already applied: remove it" if applied else
                "this change keeps it: if the loss was applied already, remove the acknowledgement; else check the subject"
                if kept else "check the subject")
        findings.append(Finding(subject, f"om-secrets:acknowledge drops {subject!r}, but this change loses no such "
                                f"thing: an acknowledgement must name exactly one loss of this change ({hint})",
                                kind="acknowledgement"))
    return findings


def acknowledged_losses(before: Optional[Mapping], after: Mapping) -> list[Finding]:
    """The losses ``after``'s acknowledgements accept (for reports)."""
    old, new = (plan(before) if before is not None else Plan()), plan(after)
    return [Finding(f.subject, f.message, f.resource, f.urn, acknowledged=new.acknowledged[f.subject])
            for f in _losses(old, new) if f.subject in new.acknowledged]
