"""The README's rotation and adoption runbooks run as written, offline, and a mistake at each step is
stopped with a message that says what to do instead.

The fenced blocks of each runbook are taken from README.md in order: a ``yaml`` block replaces those
keys in a copy of ``stacks/Pulumi.prod.yaml``, a ``bash`` block runs in bash (``set -e -o pipefail``)
with the installed ``omsecrets`` and a stand-in ``pulumi`` on PATH: ``config set [--secret]`` edits the
stack file as the CLI would (a ``secure:`` value, or plaintext without ``--secret``), ``state
unprotect`` checks that the URN is one of the deployed plan's, ``up`` does nothing (the runbook saves
the deployed plan right after it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from omsecrets.components.fernet import OM_PUBLIC_DEFAULT_KEY, generate_key

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent

FAKE_PULUMI = r'''#!{python}
"""Offline stand-in for the few pulumi commands the README runbooks use."""
import json, sys, pathlib, yaml
args = sys.argv[1:]
stack = args[args.index("-s") + 1] if "-s" in args else "dev"
path = pathlib.Path("stacks") / f"Pulumi.{{stack}}.yaml"
if args[:2] == ["config", "set"]:
    rest = [a for i, a in enumerate(args[2:]) if a not in ("-s", "--secret") and args[2:][i - 1] != "-s"]
    key, value = rest
    doc = yaml.safe_load(path.read_text())
    doc["config"][key] = {{"secure": "v1:b2ZmbGluZS1zdGFuZC1pbg=="}} if "--secret" in args else value
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
elif args[:2] == ["state", "unprotect"]:
    urn = args[-1]
    deployed = json.loads(pathlib.Path(f"deployed-{{stack}}.json").read_text())
    if urn not in {{r["urn"] for r in deployed["resources"]}}:
        sys.exit(f"error: no resource {{urn}} in the stack")
elif args[:1] != ["up"]:
    sys.exit(f"stand-in pulumi: {{args}} is not emulated")
'''
FAKE_KUBECTL = r'''#!/bin/sh
# Offline stand-in for kubectl: the runbooks' scale/exec lines are recorded, nothing else is emulated.
case "$3" in scale|exec) echo "$*" >> kubectl.log ;; *) echo "stand-in kubectl: $* is not emulated" >&2; exit 1 ;; esac
'''


def runbook(title: str) -> list[tuple[str, str]]:
    """``[(language, text)]`` of the fenced blocks of the README section starting with ``title``."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.index("\n## ", start + 1)
    return [(m.group(1), m.group(2)) for m in re.finditer(r"```(\w+)\n(.*?)```", text[start:end], re.S)]


ROTATION = runbook("Fernet rotation runbook")
_ADOPTING = runbook("Adopting an existing deployment")
#: Adopting a running deployment's key (the section's first three blocks), then migrating from db.
ADOPTION, MIGRATION = _ADOPTING[:3], _ADOPTING[3:]
JWT_ROTATION = runbook("JWT key rotation runbook")
#: The stack before the migration runbook: OM's values in its database (non-managed ``aws``).
BEFORE_MIGRATION = "om-secrets:provider: aws"


class Project:
    """A copy of the project with the prod stack, where the runbook's blocks run."""

    def __init__(self, tmp_path: Path, env: dict[str, str] | None = None):
        self.dir = tmp_path / "project"
        (self.dir / "stacks").mkdir(parents=True)
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, self.dir / name)
        shutil.copy(ROOT / "stacks" / "Pulumi.prod.yaml", self.dir / "stacks" / "Pulumi.prod.yaml")
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "pulumi").write_text(FAKE_PULUMI.format(python=sys.executable))
        (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
        for tool in ("pulumi", "kubectl"):
            (bin_dir / tool).chmod(0o755)
        self.env = {**os.environ, "PATH": f"{bin_dir}:{BIN}:{os.environ['PATH']}", **(env or {})}
        self.env.pop("PULUMI_CONFIG", None)

    @property
    def stack_file(self) -> Path:
        return self.dir / "stacks" / "Pulumi.prod.yaml"

    def apply(self, fragment: str) -> None:
        doc = yaml.safe_load(self.stack_file.read_text())
        for key, value in yaml.safe_load(fragment).items():  # null: `pulumi config rm`
            doc["config"].pop(key, None) if value is None else doc["config"].__setitem__(key, value)
        self.stack_file.write_text(yaml.safe_dump(doc, sort_keys=False))

    def bash(self, script: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=self.dir, env=self.env,
                              capture_output=True, text=True, timeout=300)

    def block(self, language: str, text: str) -> subprocess.CompletedProcess | None:
        if language == "yaml":
            self.apply(text)
            return None
        assert language == "bash", language
        done = self.bash(text)
        assert done.returncode == 0, f"{text}\nexit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        return done


def test_the_runbooks_have_the_steps_they_describe():
    assert [lang for lang, _ in ROTATION] == ["bash", "yaml", "bash", "yaml", "bash", "yaml", "bash"]
    assert [lang for lang, _ in ADOPTION] == ["bash", "yaml", "bash"]
    assert all("omsecrets check prod --baseline deployed-prod.json" in t for lang, t in ROTATION[2::2])


def test_the_jwt_runbook_has_the_steps_it_describes():
    assert [lang for lang, _ in JWT_ROTATION] == ["bash", "yaml", "bash", "bash", "yaml", "bash", "yaml", "bash"]
    assert "omsecrets check prod --baseline deployed-prod.json" in JWT_ROTATION[2][1]
    assert "botTokens" in JWT_ROTATION[4][1] and "run: true" in JWT_ROTATION[4][1]
    assert not any("openmetadata-ops.sh" in text for _, text in JWT_ROTATION)  # declared Jobs, not exec by hand


def om_jobs(document: str) -> list[dict]:
    """The OM operation Jobs of a saved ``preview --json`` document (name, command, image, ServiceAccount), in
    the order ``pulumi up`` runs them (each depends on the one before)."""
    import json

    jobs, after = {}, {}
    resources = json.loads(document)["resources"]
    names = {r["urn"]: (r.get("inputs") or {}).get("metadata", {}).get("name", "") for r in resources}
    for r in resources:
        name = names[r["urn"]]
        if r["type"] == "kubernetes:batch/v1:Job" and name.startswith("om-"):
            pod = r["inputs"]["spec"]["template"]["spec"]
            (container,) = pod["containers"]
            jobs[name] = {"name": name, "args": container["args"], "image": container["image"],
                          "serviceAccount": pod["serviceAccountName"], "namespace": r["inputs"]["metadata"]["namespace"]}
            after[name] = {names.get(u) for u in r["options"].get("dependsOn") or []}
    ordered = []
    while len(ordered) < len(jobs):  # each Job after those it depends on
        ready = sorted(n for n in jobs if n not in ordered and not (after[n] & set(jobs)) - set(ordered))
        ordered.append(ready[0])
    return [jobs[n] for n in ordered]


def test_jwt_rotation_runbook_runs_as_written(tmp_path):
    project = Project(tmp_path)
    saved, outputs = [], []
    for lang, text in JWT_ROTATION:
        outputs.append(project.block(lang, text))
        saved.append((project.dir / "deployed-prod.json").read_text())
    checks = [o.stdout for o in outputs if o is not None and "omsecrets check" in o.args[-1]]
    assert len(checks) == 3 and all("0 mandatory" in c for c in checks)
    before, after = saved[0], saved[-1]
    assert "om-secrets-jwt-key-gen-2" in after and "om-secrets-jwt-key\"" not in after
    assert "om-secrets-jwt-key\"" in before
    log = (project.dir / "kubectl.log").read_text().splitlines()
    assert [line.split()[2] for line in log] == ["scale", "scale"]
    # step 3 declared exactly the redeploy (OM 2.0.7 has no regenerate-bot-tokens), in the server's image and
    # namespace, under its ServiceAccount; step 4 removed it again
    assert om_jobs(saved[5]) == [{"name": "om-deploy-pipelines-jwt-gen-2", "args": ["./bootstrap/openmetadata-ops.sh",
                                  "deploy-pipelines"], "image": "docker.getcollate.io/openmetadata/server:2.0.7",
                                  "serviceAccount": "openmetadata", "namespace": "openmetadata"}]
    assert om_jobs(saved[2]) == [] and om_jobs(after) == []


def test_on_om_2_1_the_jwt_runbook_regenerates_the_tokens_first_without_an_acknowledgement(tmp_path):
    project = Project(tmp_path)
    _upto(project, JWT_ROTATION, 4)
    project.apply(JWT_ROTATION[4][1].replace("server:2.0.7", "server:2.1.0"))
    project.apply("om-secrets:acknowledge: null")
    done = project.block("bash", JWT_ROTATION[5][1])
    assert "0 mandatory" in done.stdout
    assert [j["name"] for j in om_jobs((project.dir / "deployed-prod.json").read_text())] == [
        "om-regenerate-bot-tokens-jwt-gen-2", "om-deploy-pipelines-jwt-gen-2"]


def test_the_migration_runbook_has_the_steps_it_describes():
    assert [lang for lang, _ in MIGRATION] == ["bash", "yaml", "bash", "yaml", "bash", "yaml", "bash"]
    assert all("omsecrets check prod --baseline deployed-prod.json" in t for lang, t in MIGRATION[2::2])
    assert "migration:\n    run: true" in MIGRATION[3][1] and "migratedTo: managed-aws" in MIGRATION[5][1]


def test_migration_runbook_runs_as_written(tmp_path):
    project = Project(tmp_path)
    project.apply(BEFORE_MIGRATION)
    saved, outputs = [], []
    for lang, text in MIGRATION:
        outputs.append(project.block(lang, text))
        saved.append((project.dir / "deployed-prod.json").read_text())
    checks = [o.stdout for o in outputs if o is not None and "omsecrets check" in o.args[-1]]
    assert len(checks) == 3 and all("0 mandatory" in c for c in checks)
    assert om_jobs(saved[2]) == [] and om_jobs(saved[6]) == []
    assert om_jobs(saved[4]) == [{"name": "om-migrate-secrets-to-managed-aws", "args": ["./bootstrap/openmetadata-ops.sh",
                                  "migrate-secrets"], "image": "docker.getcollate.io/openmetadata/server:2.0.7",
                                  "serviceAccount": "openmetadata", "namespace": "openmetadata"}]
    assert '"migratedTo": "managed-aws"' in saved[6]


#: (id, blocks run first, the mistaken stack edit, exit code, what the message must tell the user to do)
JWT_MISTAKES = [
    ("new-pair-without-acknowledgement", 1, "om-secrets:jwt: {generation: 2}", 1,
     "every bot gets 401 until its token is regenerated"),
    ("key-size-changed-in-place", 1, "om-secrets:jwt: {keySize: 4096}", 1, "rsaBits 2048 -> 4096 replaces"),
    ("pair-dropped", 1, "om-secrets:jwt: {enabled: false}", 2, "jwt.disabledReason: is required"),
    ("pair-dropped-with-a-reason", 1, "om-secrets:jwt: {enabled: false, disabledReason: kept elsewhere}", 1,
     "{drop: jwt.keypair, reason: <why>}"),
    ("acknowledgement-kept-after-the-cut", 6, "om-secrets:acknowledge: [{drop: jwt.keypair, reason: kept}]", 1,
     "if the loss was applied already, remove the acknowledgement"),
    # OM's own steps after the cut (step 3), out of order
    ("bot-token-jobs-with-the-new-pair-at-once", 1, "{om-secrets:jwt: {generation: 2, botTokens: {run: true}}, "
     "om-secrets:operations: {image: 'docker.getcollate.io/openmetadata/server:2.1.0'}, "
     "om-secrets:acknowledge: [{drop: jwt.keypair, reason: cut}]}", 1,
     "restart every OM server on it (step 2), then declare jwt.botTokens.run: true in the next change"),
    ("bot-token-jobs-on-om-2.0-without-regenerating-by-hand", 4, "om-secrets:acknowledge: null", 1,
     "OM 2.0.7 has no regenerate-bot-tokens command (OM 2.1.0 and later)"),
    ("bot-token-jobs-without-the-server-image", 4, "om-secrets:operations: null", 2,
     "operations.image: is not set, but jwt.botTokens.run is true"),
    ("bot-token-jobs-with-the-pair-disabled", 4, "om-secrets:jwt: {enabled: false, disabledReason: x, "
     "botTokens: {run: true}}", 2, "jwt.botTokens.run: true, but jwt.enabled is false"),
    ("back-to-the-default-kid", 1, "om-secrets:jwt: {keyId: Gb389a-9f76-gdjs-a92j-0242bk94356}", 2,
     "OpenMetadata's default kid"),
]


@pytest.mark.parametrize("case", JWT_MISTAKES, ids=[c[0] for c in JWT_MISTAKES])
def test_a_jwt_rotation_mistake_is_stopped_with_what_to_do(case, tmp_path):
    _, before, mistake, code, advice = case
    project = Project(tmp_path)
    _upto(project, JWT_ROTATION, before)
    if before == 4:  # step 3 as written, then the mistake
        project.apply(JWT_ROTATION[4][1])
    project.apply(mistake)
    done = project.bash(CHECK)
    assert done.returncode == code, done.stdout + done.stderr
    assert advice in done.stdout + done.stderr


def test_unprotecting_a_key_that_is_not_deployed_fails(tmp_path):
    project = Project(tmp_path)
    _upto(project, JWT_ROTATION, 2)
    done = project.bash(JWT_ROTATION[2][1].replace("::om-secrets-jwt-key'", "::prod-jwt-key'"))
    assert done.returncode != 0 and "no resource" in done.stderr


def test_rotation_runbook_runs_as_written(tmp_path):
    project = Project(tmp_path)
    outputs = [project.block(lang, text) for lang, text in ROTATION]
    checks = [o.stdout for o in outputs if o is not None and "omsecrets check" in o.args[-1]]
    assert len(checks) == 3 and all("0 mandatory" in c for c in checks)
    deployed = (project.dir / "deployed-prod.json").read_text()
    assert "om-secrets-airflow-fernet-gen-2" in deployed and "om-secrets-airflow-fernet-gen-1" not in deployed


def test_adoption_runbook_runs_as_written(tmp_path):
    project = Project(tmp_path, {"FERNET_KEY": generate_key()})
    outputs = [project.block(lang, text) for lang, text in ADOPTION]
    assert outputs[0].stdout.startswith("ok: ring of 1 distinct valid key(s)")
    assert "existingOmFernetKey" in project.stack_file.read_text() and project.env["FERNET_KEY"] not in (
        project.stack_file.read_text())  # stored encrypted, never in plaintext
    assert "not checkable offline" in outputs[2].stdout and "0 mandatory" in outputs[2].stdout


def _upto(project: Project, blocks, count: int) -> None:
    _upto_from(project, blocks, 0, count)


def _upto_from(project: Project, blocks, start: int, count: int) -> None:
    for lang, text in blocks[start:count]:
        project.block(lang, text)


CHECK = "omsecrets check prod --baseline deployed-prod.json"

#: (id, blocks run first, the mistaken stack edit, exit code, what the message must tell the user to do)
ROTATION_MISTAKES = [
    ("step1-drops-generation-1-at-once", 1, "om-secrets:fernet: {airflow: {generations: [2]}}", 2,
     "keep generation 1 in the ring ([2, 1]), run the re-encryption"),
    ("step1-new-key-last", 1, "om-secrets:fernet: {airflow: {generations: [1, 2]}}", 2,
     "newest (primary) first: [2, 1]"),
    ("step1-drops-om-generation", 1, "om-secrets:fernet: {airflow: {generations: [2, 1]}, openmetadata: {generations: [2]}}",
     2, "keep generation 1 in the ring ([2, 1])"),
    ("step2-records-instead-of-running-the-job", 3, "om-secrets:fernet: {airflow: {generations: [2, 1], reencryptedTo: 2}}",
     1, "run the rotation Job (fernet.rotationJob.run: true) first, or acknowledge a rotation run by hand"),
    ("step2-records-with-the-job", 3, "om-secrets:fernet: {airflow: {generations: [2, 1], reencryptedTo: 2}, "
     "rotationJob: {run: true}}", 2, "run it only in step 2, with [new, old]"),
    ("step3-skips-the-job", 3, "om-secrets:fernet: {airflow: {generations: [2], reencryptedTo: 2}}", 1,
     "run step 2 of the rotation runbook first"),
    ("step2-job-with-the-new-ring-at-once", 1, "om-secrets:fernet: {airflow: {generations: [2, 1]}, rotationJob: {run: true}}",
     1, "declare the Job in the next change"),
    ("step3-acknowledges-the-wrong-generation", 5, "om-secrets:acknowledge: [{drop: fernet.airflow.generation.2, "
     "reason: by hand}]", 1, "Remove the acknowledgement of 'fernet.airflow.generation.2'"),
]


@pytest.mark.parametrize("case", ROTATION_MISTAKES, ids=[c[0] for c in ROTATION_MISTAKES])
def test_a_rotation_mistake_is_stopped_with_what_to_do(case, tmp_path):
    _, before, mistake, code, advice = case
    project = Project(tmp_path)
    _upto(project, ROTATION, before)
    if "acknowledge" in mistake:
        project.apply(ROTATION[before][1])  # step 3 as written, plus an acknowledgement of something else
    project.apply(mistake)
    done = project.bash(CHECK)
    assert done.returncode == code, done.stdout + done.stderr
    assert advice in done.stdout + done.stderr


def test_dropping_oms_generation_later_is_refused_unless_acknowledged(tmp_path):
    project = Project(tmp_path)
    project.apply("om-secrets:fernet: {openmetadata: {generations: [2, 1]}}")
    project.block("bash", "omsecrets preview prod --json > deployed-prod.json")
    project.apply("om-secrets:fernet: {openmetadata: {generations: [2], reencryptedTo: 2}}")
    done = project.bash(CHECK)
    assert done.returncode == 1 and "OM has no re-encryption command" in done.stdout
    assert "{drop: fernet.openmetadata.generation.1, reason: <why>}" in done.stdout


#: (id, blocks run first, the mistaken stack edit, exit code, what the message must tell the user to do)
MIGRATION_MISTAKES = [
    ("job-with-the-new-provider-at-once", 1, "{om-secrets:provider: managed-aws, om-secrets:operations: "
     "{image: 'docker.getcollate.io/openmetadata/server:2.0.7'}, om-secrets:migration: {run: true}}", 1,
     "apply the provider change (step 1) and declare migration.run: true in the next change"),
    ("record-instead-of-running-the-job", 3, "om-secrets:migration: {migratedTo: managed-aws}", 1,
     "run it first (migration.run: true and `pulumi up`, which waits for the Job)"),
    ("record-with-the-job", 3, "om-secrets:migration: {run: true, migratedTo: managed-aws}", 2,
     "record it in the next change, once the baseline shows the completed Job"),
    ("job-declared-but-not-awaited-is-no-evidence", 5, "om-secrets:migration: {migratedTo: managed-aws}", 1,
     "declared with pulumi.com/skipAwait, so nothing waited for it to complete"),
    ("job-on-a-db-held-provider", 1, "om-secrets:migration: {run: true}", 2,
     "keeps OM's secrets in its database (OM's DBSecretsManager): migrate-secrets has nothing to move"),
    ("job-with-a-new-om-key-at-once", 3, "{om-secrets:migration: {run: true}, om-secrets:fernet: "
     "{openmetadata: {generations: [2, 1]}, airflow: {generations: [1]}}}", 1,
     "apply that first and restart OM (`helm upgrade` with the stack's values), then declare migration.run"),
    ("switch-between-two-external-managers", 7, "{om-secrets:provider: managed-aws-ssm, om-secrets:aws: "
     "{region: eu-west-1, kms: {create: true}, identity: {mode: irsa, oidcProviderArn: "
     "'arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X', oidcIssuer: "
     "oidc.eks.eu-west-1.amazonaws.com/id/X}}, om-secrets:migration: null}", 1,
     "which OM's migrate-secrets does not support"),
    ("back-to-db-held-values", 7, "{om-secrets:provider: aws, om-secrets:migration: null}", 1,
     "{drop: store.managed-aws, reason: <why>} naming that"),
]


@pytest.mark.parametrize("case", MIGRATION_MISTAKES, ids=[c[0] for c in MIGRATION_MISTAKES])
def test_a_migration_mistake_is_stopped_with_what_to_do(case, tmp_path):
    name, before, mistake, code, advice = case
    project = Project(tmp_path)
    project.apply(BEFORE_MIGRATION)
    if name == "job-declared-but-not-awaited-is-no-evidence":  # step 2 on a cluster without a Job controller
        _upto(project, MIGRATION, 3)
        project.apply("om-secrets:operations: {image: 'docker.getcollate.io/openmetadata/server:2.0.7', skipAwait: true}")
        _upto_from(project, MIGRATION, 3, before)
    else:
        _upto(project, MIGRATION, before)
    project.apply(mistake)
    done = project.bash(CHECK)
    assert done.returncode == code, done.stdout + done.stderr
    assert advice in done.stdout + done.stderr


def test_a_store_left_behind_is_accepted_once_acknowledged(tmp_path):
    project = Project(tmp_path)
    project.apply(BEFORE_MIGRATION)
    _upto(project, MIGRATION, 7)
    project.apply("{om-secrets:provider: aws, om-secrets:migration: null, om-secrets:acknowledge: "
                  "[{drop: store.managed-aws, reason: leaving the store; credentials re-entered}]}")
    done = project.bash(CHECK)
    assert done.returncode == 0 and "0 mandatory" in done.stdout, done.stdout + done.stderr


def test_a_migration_run_by_hand_is_recorded_with_an_acknowledgement(tmp_path):
    project = Project(tmp_path)
    project.apply(BEFORE_MIGRATION)
    _upto(project, MIGRATION, 3)
    project.apply("{om-secrets:migration: {migratedTo: managed-aws}, om-secrets:acknowledge: "
                  "[{drop: migration.managed-aws, reason: migrate-secrets run by hand}]}")
    done = project.bash(CHECK)
    assert done.returncode == 0 and "0 mandatory" in done.stdout, done.stdout + done.stderr


def test_an_order_refusal_cannot_be_acknowledged(tmp_path):
    project = Project(tmp_path)
    project.apply(BEFORE_MIGRATION)
    _upto(project, MIGRATION, 1)
    project.apply(MIGRATION_MISTAKES[0][2])
    done = project.bash(CHECK)
    assert done.returncode == 1 and "OMS-LIFE-004" in done.stdout
    assert "a step out of order cannot be acknowledged" in done.stdout


ADOPTION_MISTAKES = [
    ("public-default-key", {"FERNET_KEY": OM_PUBLIC_DEFAULT_KEY}, 0, None, 1, "PUBLIC default key"),
    ("key-copied-with-a-space", {"FERNET_KEY": generate_key() + " "}, 0, None, 1, "remove every space and newline"),
    ("stored-in-plaintext", {}, 0, "plaintext", 2, "run `pulumi config set --secret om-secrets:existingOmFernetKey"),
    ("imported-as-another-generation", {}, 1,
     'om-secrets:fernet: {openmetadata: {generations: [2, 1], imported: {"3": existingOmFernetKey}}}', 2,
     "'3' is not one of the ring's generations [2, 1]"),
    ("imported-key-dropped-later", {}, 3, "{om-secrets:fernet: {openmetadata: {generations: [2, 1]}}, "
     "om-secrets:existingOmFernetKey: null}", 1, "changes from an imported key to a generated one"),
]


@pytest.mark.parametrize("case", ADOPTION_MISTAKES, ids=[c[0] for c in ADOPTION_MISTAKES])
def test_an_adoption_mistake_is_stopped_with_what_to_do(case, tmp_path):
    _, env, before, mistake, code, advice = case
    project = Project(tmp_path, {"FERNET_KEY": generate_key(), **env})
    if env:  # the key check of the runbook's first block stops it
        done = project.bash(ADOPTION[0][1])
    elif mistake == "plaintext":  # `pulumi config set` without --secret
        project.block("bash", ADOPTION[0][1].replace(" --secret", ""))
        project.apply(ADOPTION[1][1])
        done = project.bash(ADOPTION[2][1])
    else:
        _upto(project, ADOPTION, before)
        if before == 3:  # adopted and deployed; a later edit drops the import
            project.block("bash", "omsecrets preview prod --json > deployed-prod.json")
        project.apply(mistake)
        done = project.bash(CHECK if before == 3 else ADOPTION[2][1])
    assert done.returncode == code, done.stdout + done.stderr
    assert advice in done.stdout + done.stderr
    assert project.env["FERNET_KEY"].strip() not in done.stdout + done.stderr
