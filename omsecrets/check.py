"""``omsecrets check``: the om-secrets policy rules over offline previews, without the Pulumi CLI.

The adapter hands each rule what the Pulumi engine would: resource rules get every resource's
inputs, stack rules every resource's final state (custom resources: inputs plus fabricated
outputs; components: their registered outputs, else inputs; the root stack: its exports), secrets
in plaintext and unknown values behind pulumi_policy's unknown-checking proxy. The ``production``
policy config is filled from the ``OpenMetadataSecrets`` component (else from the stack config,
as the pack reads it from ``PULUMI_CONFIG``). A stack whose config does not validate yields one
mandatory ``OMS-CFG-001 config-valid`` violation per problem (in the report, for SARIF) and makes
``check`` exit 2 like every other config error (see ``cli.EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import (
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    unknown_checking_proxy,
)

from omsecrets import cli, engine, project, speed
from omsecrets.components import core, disclosure
from omsecrets.policies.pack import RULES
from omsecrets.policies.rule import (
    ENVIRONMENT_TYPE,
    Rule,
    message_text,
    production_from_env,
)

FORMATS = ("text", "json", "sarif")
BASELINE_RULE = "fernet-generation-retained"


def _check_rule(id: str, name: str, description: str, remediation: str) -> Rule:
    """A mandatory stack rule that ``check`` itself judges (config, lifecycle guard): no validate of its own."""
    return Rule(id=id, name=name, description=description, level="mandatory", remediation=remediation, kind="stack",
                validate=lambda args, report: None)


CONFIG_RULE = _check_rule(
    id="OMS-CFG-001",
    name="config-valid",
    description="The stack's om-secrets configuration validates (components.settings).",
    remediation="Fix the named key in the stack's config file; the message says what is allowed.",
)
LIFECYCLE_RULE = _check_rule(
    id="OMS-LIFE-001",
    name="key-material-kept",
    description="Compared with its baseline (--baseline, --baseline-ref), the change deletes or replaces no key "
    "material and moves no store secret, unless the stack's om-secrets:acknowledge names that exact loss "
    "(omsecrets.lifecycle).",
    remediation="Undo the change, or acknowledge the exact loss in om-secrets:acknowledge: [{drop: <subject>, reason: <why>}].",
)
ACKNOWLEDGE_RULE = _check_rule(
    id="OMS-LIFE-002",
    name="acknowledgement-matches-a-loss",
    description="Every om-secrets:acknowledge entry names a loss of this change (a typo acknowledges nothing; "
    "an applied acknowledgement is removed).",
    remediation="Remove the acknowledgement, or correct its subject to the loss the guard reports.",
)
BASELINE_PREVIEW_RULE = _check_rule(
    id="OMS-LIFE-003",
    name="baseline-previews",
    description="With --baseline-ref, the revision is in the clone and the stack file (and Pulumi.yaml) as they were "
    "then preview with today's om-secrets, so the lifecycle guard has something to compare the change with (a stack "
    "file that predates a newly required key is read with the value its absence stood for; see settings.Backfill).",
    remediation="Fetch the revision if a shallow clone cut it off, or compare with what is deployed instead "
    "(--baseline FILE: `omsecrets preview STACK --json` saved after the last `pulumi up`), or, if you know this "
    "change loses no key material, pass --allow-unchecked-baseline.",
)
ORDER_RULE = _check_rule(
    id="OMS-LIFE-004",
    name="steps-in-order",
    description="Compared with its baseline, a declared step (the Fernet rotation Job, OM's migrate-secrets, the bot-token "
    "Jobs after a JWT key change) runs only once the baseline runs what it needs (omsecrets.lifecycle).",
    remediation="Take the next safe step the message names; a step out of order cannot be acknowledged.",
)


@dataclass(frozen=True)
class Violation:
    """One rule violation in one stack."""

    rule_id: str
    rule_name: str
    level: str
    message: str
    remediation: str
    urn: Optional[str] = None
    resource_type: Optional[str] = None
    resource_name: Optional[str] = None
    note: str = ""

    @property
    def text(self) -> str:
        """The message as the policy pack reports it."""
        return message_text(self.rule_id, self.message, self.note, self.remediation)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class StackReport:
    """``check`` of one stack: its violations, or why it could not be previewed."""

    stack: str
    file: str
    violations: list[Violation] = field(default_factory=list)
    error: Optional[str] = None
    exit_code: int = 0  # 2: config or stack file error, 3: the program failed (cli.EXIT_CODES)
    preview_seconds: float = 0.0
    rules_seconds: float = 0.0
    lifecycle: Optional[str] = None  # what the lifecycle guard compared with, or why it did not
    notes: list[str] = field(default_factory=list)  # the program's warnings (e.g. what is not checkable offline)

    def count(self, level: str) -> int:
        return sum(v.level == level for v in self.violations)


# --------------------------------------------------------------------------- adapter


def _unknowns(value: Any) -> Any:
    """The engine's "[unknown]" text back to pulumi_policy's unknown sentinel."""
    if value == engine.UNKNOWN_TEXT:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknowns(v) for v in value]
    return value


def _props(value: Any) -> Any:
    return unknown_checking_proxy(_unknowns(engine.plain(value, show_secrets=True)))


#: pulumi-policy 1.13 (our floor) has no ``parent`` option.
_OPTIONS_TAKE_PARENT = "parent" in inspect.signature(PolicyResourceOptions.__init__).parameters


def _options(resource: engine.CapturedResource) -> PolicyResourceOptions:
    o = resource.options
    parent = {"parent": resource.parent} if _OPTIONS_TAKE_PARENT else {}
    return PolicyResourceOptions(
        protect=bool(o.get("protect")),
        ignore_changes=list(o.get("ignoreChanges") or []),
        delete_before_replace=True if o.get("deleteBeforeReplace") else None,
        aliases=[a for a in resource.aliases if isinstance(a, str)],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=list(dict.fromkeys(o.get("additionalSecretOutputs") or [])),
        **parent,
    )


def _state(resource: engine.CapturedResource) -> Any:
    """What AnalyzeStack sees: a custom resource's outputs, a component's registered outputs."""
    if resource.custom:
        return resource.state
    return resource.outputs or resource.inputs


@dataclass
class _Prepared:
    """What every rule of one preview shares: props proxies, options, providers, stack resources."""

    by_urn: dict[str, engine.CapturedResource]
    inputs: dict[str, Any]
    options: dict[str, PolicyResourceOptions]
    providers: dict[str, Optional[PolicyProviderResource]]
    stack_resources: list[PolicyResource]


def _provider(resource, by_urn) -> Optional[PolicyProviderResource]:
    if not resource.provider:
        return None
    urn = resource.provider.rsplit("::", 1)[0]
    found = by_urn.get(urn)
    if found is None:
        return None
    return PolicyProviderResource(found.type, _props(found.inputs), found.urn, found.name)


def prepare(result: engine.PreviewResult) -> _Prepared:
    """Build the props proxies and PolicyResources of ``result`` once for all rules."""
    by_urn = {r.urn: r for r in result.resources}
    options = {r.urn: _options(r) for r in result.resources}
    providers = {r.urn: _provider(r, by_urn) for r in result.resources}
    stack_resources: dict[str, PolicyResource] = {}
    root = PolicyResource(
        engine.STACK_TYPE, _props(result.outputs), result.stack_urn, f"{result.project}-{result.stack}",
        PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []), None, None, [], {},
    )
    for r in result.resources:
        stack_resources[r.urn] = PolicyResource(
            r.type, _props(_state(r)), r.urn, r.name, options[r.urn], providers[r.urn], None, [], {}
        )
    for r in result.resources:
        resource = stack_resources[r.urn]
        resource.parent = stack_resources.get(r.parent) or (root if r.parent == result.stack_urn else None)
        resource.dependencies = [stack_resources[d] for d in r.options.get("dependsOn") or [] if d in stack_resources]
    return _Prepared(
        by_urn=by_urn,
        inputs={r.urn: _props(r.inputs) for r in result.resources},
        options=options,
        providers=providers,
        stack_resources=[root, *stack_resources.values()],
    )


def resource_args(result: engine.PreviewResult, config: Optional[Mapping] = None, *,
                  prepared: Optional[_Prepared] = None) -> list[ResourceValidationArgs]:
    """One ``ResourceValidationArgs`` per registered resource (components included)."""
    p = prepared or prepare(result)
    return [
        ResourceValidationArgs(r.type, p.inputs[r.urn], r.urn, r.name, p.options[r.urn], p.providers[r.urn], dict(config or {}))
        for r in result.resources
    ]


def stack_args(result: engine.PreviewResult, config: Optional[Mapping] = None, *,
               prepared: Optional[_Prepared] = None) -> StackValidationArgs:
    """The ``StackValidationArgs`` of the whole preview (parents and dependencies linked)."""
    p = prepared or prepare(result)
    return StackValidationArgs(p.stack_resources, dict(config or {}))


def environment_production(result: engine.PreviewResult) -> bool:
    """``production`` of the OpenMetadataSecrets component, else what the pack would read from env."""
    for r in result.resources:
        if r.type == ENVIRONMENT_TYPE and isinstance(r.plain_inputs.get("production"), bool):
            return r.plain_inputs["production"]
    return production_from_env({"PULUMI_CONFIG": json.dumps(result.config), "PULUMI_STACK": result.stack})


def rule_config(rule: Rule, config: Optional[Mapping], production: bool) -> tuple[dict, Optional[str]]:
    """The rule's policy config (Pulumi's ``{name: level | {enforcementLevel, ...}}`` shape) and level override."""
    entry = (config or {}).get(rule.name)
    if isinstance(entry, str):
        return {"production": production}, entry
    entry = dict(entry or {})
    level = entry.pop("enforcementLevel", None)
    return {"production": production, **entry}, level


def run_rules(result: engine.PreviewResult, rules: Iterable[Rule] = RULES, config: Optional[Mapping] = None,
              *, prepared: Optional[_Prepared] = None) -> list[Violation]:
    """Every violation of ``rules`` in ``result``, mandatory first."""
    p = prepared or prepare(result)
    production = environment_production(result)
    violations: list[Violation] = []
    for rule in rules:
        cfg, override = rule_config(rule, config, production)
        if override == "disabled":
            continue

        def sink(finding, rule=rule, override=override):
            resource = p.by_urn.get(finding.urn) if finding.urn else None
            violations.append(Violation(
                rule_id=rule.id, rule_name=rule.name,
                level="mandatory" if override == "remediate" else (override or finding.level),
                message=finding.message, remediation=rule.remediation, urn=finding.urn,
                resource_type=resource.type if resource else None,
                resource_name=resource.name if resource else None,
                note=rule.level_note(finding.production),
            ))

        if rule.kind == "stack":
            _run(rule, StackValidationArgs(p.stack_resources, cfg), sink)
            continue
        for r in result.resources:
            if rule.applies_to(r.type):
                args = ResourceValidationArgs(r.type, p.inputs[r.urn], r.urn, r.name, p.options[r.urn], p.providers[r.urn], cfg)
                _run(rule, args, sink)
    return sorted(violations, key=lambda v: (v.level != "mandatory", v.rule_id, v.urn or ""))


def _run(rule: Rule, args, sink) -> None:
    try:
        rule.run(args, sink)
    except UnknownValueError:
        pass  # Pulumi reports "can't run policy during preview" here; the update runs it


# --------------------------------------------------------------------------- stacks


find_config_error = core.find_config_error


def config_violations(error: BaseException, stack_file: str) -> list[Violation]:
    problems = list(getattr(error, "problems", None) or [str(error)])
    out = []
    for problem in problems:
        key = problem.split(": ", 1)[0] if problem.startswith("om-secrets:") else None
        line = cli.key_line(Path(stack_file), key) if key else None
        where = f"{stack_file}:{line}" if line else stack_file
        remediation = f"Fix {key} in {where}." if key else f"Fix the configuration in {stack_file}."
        out.append(Violation(CONFIG_RULE.id, CONFIG_RULE.name, "mandatory", problem, remediation))
    return out


def _relative(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def check_stack(project_dir: Path, stack: str, *, config_file: Optional[str] = None,
                policy_config: Optional[Mapping] = None, baseline: Optional[Mapping] = None,
                baseline_ref: Optional[str] = None, allow_unchecked_baseline: bool = False) -> StackReport:
    """Preview ``stack`` and run every rule (config errors become OMS-CFG-001 violations).

    With ``baseline`` (a previous preview document) or ``baseline_ref`` (a git revision whose stack
    file is previewed) the lifecycle guard adds OMS-LIFE-001/002 findings; a stack file at
    ``baseline_ref`` that does not preview is an OMS-LIFE-003 finding, or with
    ``allow_unchecked_baseline`` a "not checked" note.
    """
    project_dir = Path(project_dir)
    stack_file = _relative(Path(config_file) if config_file else engine.stack_file_path(project_dir, stack), project_dir)
    report = StackReport(stack=stack, file=stack_file)
    started = time.perf_counter()
    try:
        result = engine.preview(project_dir, stack, config_file=config_file)
    except Exception as exc:  # noqa: BLE001 a config error is a finding too, anything else an error
        report.preview_seconds = time.perf_counter() - started
        config_error = find_config_error(exc)
        if config_error is not None:
            report.violations = config_violations(config_error, stack_file)
        path = Path(config_file) if config_file else engine.stack_file_path(project_dir, stack)
        report.exit_code, report.error = cli.describe_error(cli.ProgramFailed(stack, exc, path, project_dir))
        return report
    report.preview_seconds = time.perf_counter() - started
    report.notes = list(dict.fromkeys(d.message for d in result.diagnostics if d.severity == "warning"))
    started = time.perf_counter()
    report.violations = run_rules(result, RULES, policy_config)
    if baseline is not None or baseline_ref is not None:
        path = Path(config_file) if config_file else engine.stack_file_path(project_dir, stack)
        lost = lifecycle_violations(result, project_dir, stack, path, baseline, baseline_ref, report,
                                    located=config_file is None, allow_unchecked=allow_unchecked_baseline)
        report.violations = lost + report.violations
    report.rules_seconds = time.perf_counter() - started
    return report


def lifecycle_violations(result: engine.PreviewResult, project_dir: Path, stack: str, stack_path: Path,
                         baseline: Optional[Mapping], baseline_ref: Optional[str], report: StackReport, *,
                         located: bool = True, allow_unchecked: bool = False) -> list[Violation]:
    """OMS-LIFE-001/002 findings of ``result`` against ``baseline`` or the stack file at ``baseline_ref``
    (OMS-LIFE-003 when that file does not preview, unless ``allow_unchecked``)."""
    from omsecrets import lifecycle

    if baseline_ref is not None:
        found = baseline_at_ref(project_dir, stack, stack_path, baseline_ref, located=located)
        report.lifecycle = found.note
        if found.unchecked is not None:
            if allow_unchecked:
                report.lifecycle = disclosure.redact(f"not checked: {found.unchecked} (--allow-unchecked-baseline)")
                return []
            report.lifecycle = f"not checked: {found.note} ({BASELINE_PREVIEW_RULE.id})"
            rule = BASELINE_PREVIEW_RULE
            message = disclosure.redact(f"stack {stack}: {found.unchecked}; so this change would be compared with nothing "
                                        "(a loss of key material would go unnoticed)")
            return [Violation(rule.id, rule.name, rule.level, message, rule.remediation)]
        if found.document is None and not found.new_stack:
            return []
        baseline = found.document
    else:
        report.lifecycle = f"compared with the baseline of stack {baseline.get('stack', '?')}"
    out = []
    for f in lifecycle.guard(baseline, result.to_document()):
        rule = {"acknowledgement": ACKNOWLEDGE_RULE, "order": ORDER_RULE}.get(f.kind, LIFECYCLE_RULE)
        rtype, _, rname = (f.resource or "").partition(" ")
        out.append(Violation(rule.id, rule.name, "mandatory", f.message, f.remediation, urn=f.urn,
                             resource_type=rtype or None, resource_name=rname or None))
    return out


@dataclass(frozen=True)
class RefBaseline:
    """What ``--baseline-ref`` found for one stack: the preview ``document`` of its stack file at the
    revision, or nothing to compare with (a first commit; a ``new_stack``), or ``unchecked``: why there
    is nothing to compare with although there should be (a finding). ``note`` says which, in short."""

    document: Optional[dict] = None
    note: str = ""
    unchecked: Optional[str] = None
    new_stack: bool = False


def baseline_at_ref(project_dir: Path, stack: str, stack_path: Path, ref: str, *, located: bool = True) -> RefBaseline:
    """The preview (with today's program) of ``stack_path`` as it was at git revision ``ref``, with the
    config defaults of ``Pulumi.yaml`` as it was then; ``located``: ``stack_path`` is where that
    ``Pulumi.yaml``'s ``stackConfigDir`` puts the stack file (so it is looked up where it was then).

    A stack file that fails only because it lacks a key required since (every problem has a
    ``settings.Backfill``) is previewed with the value that absence stood for, and the note says so.
    A ``ref`` that names no commit: ``_no_revision``.
    """
    import os
    import subprocess
    import tempfile

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True)

    def show(path: str) -> Optional[bytes]:
        shown = git("show", f"{commit}:{path}")
        return shown.stdout if shown.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(f"--baseline-ref {ref}: {cli.display_path(project_dir)} is not in a git repository")
    root = Path(os.fsdecode(top.stdout.strip())).resolve()
    commit = _commit_of(git, ref)
    if commit is None:
        return _no_revision(git, ref, project_dir, root)
    try:
        project_rel = Path(project_dir).resolve().relative_to(root)
        rel = stack_path.resolve().relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"--baseline-ref {ref}: {cli.display_path(stack_path)} is not in the git repository "
                         f"{cli.display_path(root)}") from None
    project_file = (project_rel / "Pulumi.yaml").as_posix()
    with tempfile.TemporaryDirectory(prefix="omsecrets-baseline-") as tmp:
        old_project = None
        old_project_text = show(project_file)
        if old_project_text is not None:
            (Path(tmp) / "Pulumi.yaml").write_bytes(old_project_text)
            try:
                old_project = project.load_project(tmp)
            except project.StackFileError as exc:
                line = f", line {exc.line}" if exc.line else ""
                return RefBaseline(unchecked=f"{project_file} at {ref}{line}: {exc.problem}",
                                   note=f"{project_file} at {ref} does not read")
            if located:
                rel = os.path.normpath((project_rel / str(old_project.get("stackConfigDir") or ".")
                                        / f"Pulumi.{stack}.yaml").as_posix())
        old_text = show(rel)
        if old_text is None:
            return RefBaseline(note=f"new stack since {ref}: nothing to lose", new_stack=True)
        old = Path(tmp) / f"Pulumi.{stack}.yaml"
        old.write_bytes(old_text)
        try:
            document = engine.preview(project_dir, stack, config_file=old, project_file=old_project).to_document()
            return RefBaseline(document, f"compared with {rel} at {ref}")
        except Exception as exc:  # noqa: BLE001 an old config that no longer previews: a finding, not a guess
            failure = exc
        backfills = _backfills(find_config_error(failure))
        if backfills:
            try:
                name = project.load_project(project_dir)["name"]
                written = project.load_stack_file(old, name, stack=stack, strict=False)
                config = project.with_backfills(written.config, backfills, name)
                document = engine.preview(project_dir, stack, config=config, secret_keys=written.secret_keys,
                                          project_file=old_project).to_document()
                read_as = "; ".join(b.text() for b in backfills)
                return RefBaseline(document, f"compared with {rel} at {ref}, read as written then: {read_as}")
            except Exception:  # noqa: BLE001 not only a key required since: the file's own problems are the finding
                pass
        return RefBaseline(unchecked=f"{rel} at {ref} does not preview with today's om-secrets: "
                           f"{_why_not(failure, old)}", note=f"{rel} at {ref} does not preview")


def _commit_of(git, ref: str) -> Optional[str]:
    """The commit ``ref`` names, or None (a revision is never read as an option of git)."""
    if ref.startswith("-"):
        return None
    found = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return found.stdout.decode().strip() if found.returncode == 0 else None


def _no_revision(git, ref: str, project_dir: Path, root: Path) -> RefBaseline:
    """``ref`` names no commit. Past the first commit (``HEAD~1`` of a first commit: every stack is new)
    there is nothing to lose; past the cut of a shallow clone whether there was is unknown (a finding:
    otherwise a clone without history would pass every change); anything else is a usage error (a
    mistyped or unfetched revision would otherwise compare with nothing and pass)."""
    import re

    ancestor = re.fullmatch(r"(.+?)((?:[~^][0-9]*)+)", ref)
    base = _commit_of(git, ancestor.group(1)) if ancestor else None
    if base is None:
        raise UsageError(f"--baseline-ref {ref}: no such revision in the git repository {cli.display_path(root)} "
                         "(e.g. HEAD~1, a commit, or a branch or tag fetched into this clone)")
    shallow_file = Path(project_dir) / git("rev-parse", "--git-path", "shallow").stdout.decode().strip()
    cut = set(shallow_file.read_text().split()) if shallow_file.is_file() else set()
    if cut & set(git("rev-list", base).stdout.decode().split()):
        return RefBaseline(unchecked=f"no revision {ref} in this shallow clone (its history is cut), so the stack file "
                           "as it was then cannot be read; fetch the history (`git fetch --deepen=1`; in CI "
                           "`fetch-depth: 2` or more)", note=f"no revision {ref} in this shallow clone")
    return RefBaseline(note=f"not checked: no revision {ref}: {ancestor.group(1)} has no such ancestor "
                       "(a first commit has no baseline: nothing to lose)")


def _backfills(error: Optional[BaseException]) -> list:
    """The ``settings.Backfill`` of every problem of ``error``, or [] if any problem has none."""
    problems = list(getattr(error, "problems", None) or [])
    backfills = getattr(error, "backfills", None) or {}
    if not problems or not all(p in backfills for p in problems):
        return []
    return list({backfills[p].key: backfills[p] for p in problems}.values())


def _why_not(exc: BaseException, stack_file: Path) -> str:
    """Why a stack file does not preview, by line, never with a secret value (``components.disclosure``)."""
    config_error = find_config_error(exc)
    if config_error is not None:
        problems = cli.config_problems(config_error, stack_file)
        return "; ".join(f"line {line}: {p}" if line else p for line, p in problems)
    unreadable = cli.find_error(exc, "StackFileError")
    if unreadable is not None:
        line = getattr(unreadable, "line", None)
        return f"{'line ' + str(line) + ': ' if line else ''}{getattr(unreadable, 'problem', unreadable)}"
    first = (str(exc).splitlines() or [""])[0]
    return f"the program fails with it: {type(exc).__name__}: {first}"


def check_stacks(project_dir: Path, stacks: Sequence[str], jobs: Optional[int] = None, **kwargs: Any) -> list[StackReport]:
    """``check_stack`` of each stack, in order. On the command line, once the first stack has loaded
    the provider modules, the rest may be split between forked processes (``speed.workers``; ``jobs``
    asks for a number)."""
    baselines = kwargs.pop("baselines", None) or {}

    def run(stack: str) -> StackReport:
        return check_stack(project_dir, stack, baseline=baselines.get(stack), **kwargs)

    reports = [run(s) for s in stacks[:1]]
    rest = list(stacks[1:])
    processes = speed.workers(len(rest), jobs)
    return reports + (speed.split_fork(rest, run, processes) if processes > 1 else [run(s) for s in rest])


def rules_with_config() -> tuple[Rule, ...]:
    return (*RULES, CONFIG_RULE, LIFECYCLE_RULE, ACKNOWLEDGE_RULE, BASELINE_PREVIEW_RULE, ORDER_RULE)


# --------------------------------------------------------------------------- output


def render_text(reports: Sequence[StackReport]) -> str:
    lines = []
    for r in reports:
        if r.error and not r.violations:
            lines.append(f"stack {r.stack} ({r.file}): not checked, exit {r.exit_code} (error on stderr)")
            continue
        counts = f"{r.count('mandatory')} mandatory, {r.count('advisory')} advisory"
        lines.append(f"stack {r.stack} ({r.file}): {counts}" if r.violations else f"stack {r.stack} ({r.file}): no violations")
        if r.lifecycle:
            lines.append(f"  lifecycle guard: {r.lifecycle}")
        lines.extend(f"  note: {note}" for note in r.notes)
        for v in r.violations:
            where = f"{v.resource_type} {v.resource_name}" if v.resource_type else "stack"
            lines.append(f"  {v.level.upper():<9} {v.rule_id} {v.rule_name}  {where}")
            lines.append(f"      {v.message}" + (f" ({v.note})" if v.note else ""))
            lines.append(f"      remediation: {v.remediation}")
    total = {lvl: sum(r.count(lvl) for r in reports) for lvl in ("mandatory", "advisory")}
    failed = sum(bool(r.error) for r in reports)
    not_checked = f", {failed} with errors" if failed else ""
    lines.append(f"{len(reports)} stack(s){not_checked}: {total['mandatory']} mandatory, "
                 f"{total['advisory']} advisory violation(s)")
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[StackReport]) -> str:
    document = {
        "tool": "om-secrets",
        "stacks": [
            {"stack": r.stack, "file": r.file, "error": r.error, "exitCode": r.exit_code,
             "violations": [v.to_dict() for v in r.violations], "notes": r.notes,
             **({"lifecycle": r.lifecycle} if r.lifecycle else {})}
            for r in reports
        ],
        "summary": {lvl: sum(r.count(lvl) for r in reports) for lvl in ("mandatory", "advisory")},
    }
    return json.dumps(document, indent=2) + "\n"


def render(reports: Sequence[StackReport], fmt: str) -> str:
    if fmt == "json":
        return render_json(reports)
    if fmt == "sarif":
        from omsecrets import sarif

        return json.dumps(sarif.to_sarif(reports, rules_with_config()), indent=2) + "\n"
    return render_text(reports)


# --------------------------------------------------------------------------- command


def register(subparsers, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Add ``check`` to an ``omsecrets`` subparsers object."""
    parser = subparsers.add_parser(
        "check", parents=list(parents), help=cli.command_help("check"),
        description="Preview each stack offline and run the om-secrets policy rules. Exit 1 on any "
        "mandatory violation, 2 on a config or stack file error, 3 if a program failed (the highest wins).",
        epilog=cli.EXIT_CODES, formatter_class=cli.HelpFormatter,
    )
    parser.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to check (default: every stacks/Pulumi.*.yaml)")
    parser.add_argument("--config-file", metavar="PATH", help="stack config file instead of Pulumi.STACK.yaml (one stack)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    parser.add_argument("--baseline", metavar="FILE", help="previous `omsecrets preview STACK --json` document of "
                        "the same stack and project (another's is refused, exit 2): the lifecycle guard "
                        f"({LIFECYCLE_RULE.id}) and {BASELINE_RULE} compare with it")
    parser.add_argument("--baseline-ref", metavar="GIT_REV", help="preview each stack file (with Pulumi.yaml) as it "
                        f"was at GIT_REV (e.g. HEAD~1) and run the lifecycle guard ({LIFECYCLE_RULE.id}) against it; "
                        "a stack new since GIT_REV (or a first commit) has nothing to lose; one that no longer "
                        f"previews, or a GIT_REV a shallow clone cut off, is an {BASELINE_PREVIEW_RULE.id} finding; a "
                        "GIT_REV that names no commit is refused (exit 2)")
    parser.add_argument("--allow-unchecked-baseline", action="store_true", help="with --baseline-ref: a stack file "
                        "that no longer previews at GIT_REV (today's om-secrets refuses it, and it lacks more than a "
                        "newly required key), or a GIT_REV a shallow clone cut off, is a \"not checked\" note, exit 0, "
                        f"instead of an {BASELINE_PREVIEW_RULE.id} finding, exit 1")
    parser.add_argument("--policy-config", metavar="FILE", help="policy config JSON as for `pulumi preview --policy-pack-config`")
    parser.add_argument("--project-dir", metavar="DIR", help="directory with Pulumi.yaml (default: found upward from cwd)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--jobs", "-j", type=_jobs, metavar="N", help="processes that preview the stacks (default: "
                        f"2 from {speed.FORK_MIN_JOBS + 1} stacks when a CPU is idle, else 1); the report is the same")
    cli.add_debug_argument(parser)
    parser.set_defaults(func=cmd_check)
    return parser


class UsageError(cli.CommandError):
    """Bad arguments or unreadable input files (exit 2)."""


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"invalid --jobs {value!r}: give a whole number of processes, 1 or more")
    return int(value)


def _load_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {what} {path}: {exc}") from None


def check_baseline_identity(path: str, baseline: Mapping, project_name: str, stacks: Sequence[str]) -> None:
    """Refuse (``UsageError``, exit 2) a baseline that is not the preview of a checked stack of this project.

    A baseline is evidence about one deployment: another stack's completed rotation Job, or its keys,
    say nothing about this one. Every ``omsecrets preview --json`` document names its ``stack`` and
    ``project``; one that does not is refused rather than trusted.
    """
    stack, name = baseline.get("stack"), baseline.get("project")
    checked = repr(stacks[0]) if len(stacks) == 1 else f"one of {', '.join(map(repr, stacks))}"
    regenerate = (f"make it with `omsecrets preview {stacks[0] if len(stacks) == 1 else 'STACK'} --json > {path}` "
                  "at the revision that is deployed (after its `pulumi up`)")
    if not isinstance(stack, str) or not isinstance(name, str) or not stack or not name:
        missing = " and ".join(k for k, v in (("stack", stack), ("project", name)) if not isinstance(v, str) or not v)
        raise UsageError(f"baseline {path} does not say which stack and project it previews (no {missing}), so it "
                         f"cannot be told apart from another stack's; {regenerate}")
    if stack not in stacks or name != project_name:
        raise UsageError(f"baseline {path} is the preview of stack {stack!r} of project {name!r}, but this check is of "
                         f"stack {checked} of project {project_name!r}: a baseline is evidence about its own stack "
                         f"only (another stack's keys and completed Jobs say nothing about this one); {regenerate}")


def _stacks(args: argparse.Namespace, project_dir: Path) -> list[str]:
    stacks = list(args.stacks)
    if args.config_file:
        if len(stacks) > 1:
            raise UsageError("--config-file applies to one stack; name at most one")
        if not Path(args.config_file).is_file():
            raise UsageError(f"config file not found: {args.config_file}")
        if not stacks:
            name = Path(args.config_file).name
            stacks = [name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else "dev"]
    available = engine.list_stacks(project_dir)
    unknown = [s for s in stacks if s not in available] if not args.config_file else []
    if unknown:
        folder = cli.display_path(engine.stack_file_path(project_dir, "x").parent)
        raise UsageError(f"unknown stack{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: no "
                         f"{', '.join(f'Pulumi.{s}.yaml' for s in unknown)} in {folder} "
                         f"(available stacks: {', '.join(available) or 'none'})")
    stacks = stacks or available
    if not stacks:
        raise UsageError(f"no stacks in {cli.display_path(engine.stack_file_path(project_dir, 'x').parent)}; "
                         "add a Pulumi.<stack>.yaml or pass --project-dir")
    return stacks


def cmd_check(args: argparse.Namespace) -> int:
    """Check the stacks; exit 0 (clean or advisory only), 1 (mandatory violations), 2 (config or usage
    errors), 3 (a program failed); the highest applies. ``UsageError`` is reported by ``cli.main``."""
    return _check(args)


def _check(args: argparse.Namespace) -> int:
    project_dir = cli.resolve_project_dir(args.project_dir)
    stacks = _stacks(args, project_dir)
    policy_config = _load_json(args.policy_config, "policy config") if args.policy_config else {}
    baseline = None
    if args.baseline and args.baseline_ref:
        raise UsageError("--baseline and --baseline-ref are exclusive; give one")
    if args.allow_unchecked_baseline and not args.baseline_ref:
        raise UsageError("--allow-unchecked-baseline applies to --baseline-ref only: give --baseline-ref GIT_REV too")
    if args.baseline:
        baseline = _load_json(args.baseline, "baseline")
        if not isinstance(baseline, Mapping) or not isinstance(baseline.get("resources"), list):
            raise UsageError(f"baseline {args.baseline} is not an `omsecrets preview --json` document")
        check_baseline_identity(args.baseline, baseline, project.load_project(project_dir)["name"], stacks)
        entry = policy_config.get(BASELINE_RULE)
        entry = {"enforcementLevel": entry} if isinstance(entry, str) else dict(entry or {})
        policy_config[BASELINE_RULE] = {**entry, "baseline": baseline}
    speed.lighten_previews()
    baselines = {s: baseline for s in stacks if baseline is not None and baseline.get("stack") == s}
    reports = check_stacks(project_dir, stacks, args.jobs, config_file=args.config_file, policy_config=policy_config,
                           baselines=baselines, baseline_ref=args.baseline_ref,
                           allow_unchecked_baseline=args.allow_unchecked_baseline)
    text = render(reports, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    for r in reports:
        if r.error and r.violations:  # config problems: listed in the report as OMS-CFG-001
            print(f"error: stack {r.stack}: {len(r.violations)} config problem(s) in {r.file} "
                  f"(reported as {CONFIG_RULE.id})", file=sys.stderr)
        elif r.error:
            print(f"error: {r.error}", file=sys.stderr)
    findings = cli.EXIT_FINDINGS if any(r.count("mandatory") for r in reports) else cli.EXIT_OK
    return max([findings, *(r.exit_code for r in reports)])
