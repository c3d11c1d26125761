"""OpenMetadata's own operations (``./bootstrap/openmetadata-ops.sh <command>``) as declared, recorded Jobs.

Pure manifests and names (no Pulumi import), beside the Fernet rotation Job and built on the same
:func:`components.jobs.job_manifest`. Each Job runs one ops command in OM's server image, under the server's
ServiceAccount (exactly the server's store access), with the server's env as om-secrets renders it
(``app_config.server.server_pod_env``: one source with the Helm values and ``openmetadata.env``), the JWT key
files mounted as the server mounts them, and the Secrets the server reads besides (the OM chart's, yours).
``components.environment`` declares them only when a step is asked for; ``pulumi up`` waits for each and a
failed one fails the ``up`` with the tail of its log (``terminationMessagePolicy: FallbackToLogsOnError``:
the container's last log lines become its termination message, which the kubernetes provider reports).

Commands, read in OM's ``OpenMetadataOperations.java`` (open-metadata/OpenMetadata,
``openmetadata-service/src/main/java/org/openmetadata/service/util/``):

- ``migrate-secrets``: "Migrate secrets from DB to the configured Secrets Manager. Note that this does not
  support migrating between external Secrets Managers" (both stored versions, ``@95c0883b`` and ``@00776b05``);
  it rewrites services, bot users and ingestion pipelines through the configured manager
  (``SecretsManagerUpdateService.updateEntities``), idempotently.
- ``deploy-pipelines``: "Deploy all the service pipelines" (both versions; the OM chart's ``cron-deploy-pipelines``
  runs it): the only way a regenerated bot token reaches an already deployed DAG.
- ``regenerate-bot-tokens``: OM PR #26477 (merged 2026-03-16), in neither stored version; OM's v2.1.x
  key-rotation docs require "OpenMetadata 2.1.0 or later" for it. Older servers: Settings > Bots by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .jobs import job_manifest
from .record import record

#: The ops script, relative to OM's home in its server image (``WORKDIR /opt/openmetadata``).
OPS_SCRIPT = "./bootstrap/openmetadata-ops.sh"
OM_HOME = "/opt/openmetadata"
#: OM's server image runs as ``openmetadata`` (``adduser -D`` on Alpine: uid 1000; a name, so Kubernetes
#: cannot check ``runAsNonRoot`` without the number).
OM_UID = 1000

MIGRATE_SECRETS = "migrate-secrets"
REGENERATE_BOT_TOKENS = "regenerate-bot-tokens"
DEPLOY_PIPELINES = "deploy-pipelines"
COMMANDS = (MIGRATE_SECRETS, REGENERATE_BOT_TOKENS, DEPLOY_PIPELINES)
#: The first OM version with each command that not every targeted version has.
SINCE: Mapping[str, tuple[int, ...]] = {REGENERATE_BOT_TOKENS: (2, 1, 0)}
#: After a JWT key change, in the order of OM's key-rotation docs: new bot tokens, then every pipeline
#: redeployed so the new ingestion-bot token reaches Airflow.
JWT_STEPS = (REGENERATE_BOT_TOKENS, DEPLOY_PIPELINES)

#: The Secrets OM's chart (charts/openmetadata, release ``openmetadata``) renders from its values and every
#: server pod reads with ``envFrom`` (database, search, auth, ...): some exist only when their section is on.
CHART_ENV_FROM: tuple[str, ...] = tuple(f"openmetadata-{s}-secret" for s in (
    "config", "omd", "db", "search", "authorizer", "secretsmanager", "web", "authentication", "eventmonitor",
    "pipeline", "smtp", "jwt"))
#: Env the chart gives the server from Secrets of yours (values ``database.auth.password``, chart default).
DEFAULT_SECRET_ENV: Mapping[str, tuple[str, str]] = {"DB_USER_PASSWORD": ("mysql-secrets", "openmetadata-mysql-password")}
#: The annotation that tells the kubernetes provider not to wait (a cluster without a Job controller).
SKIP_AWAIT = "pulumi.com/skipAwait"

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?")
_TAG = re.compile(r":(\d+\.\d+\.\d+(?:\.\d+)?)(?:[-@].*)?$")
JOB_NAME = re.compile(rf"om-({'|'.join(COMMANDS)})-([a-z0-9-]+)$")


@record
class Step:
    """One declared OM operation: ``command`` for ``tag`` (``to-<provider>``, ``jwt-gen-<n>``)."""

    command: str
    tag: str

    @property
    def name(self) -> str:
        return job_name(self.command, self.tag)


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """``"2.0.7"`` -> ``(2, 0, 7)``; None when ``text`` is not a version."""
    match = _VERSION.fullmatch(text or "")
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def image_version(image: str | None) -> tuple[int, ...] | None:
    """The version an image's tag names (``.../server:2.0.7`` -> ``(2, 0, 7)``), else None."""
    match = _TAG.search(image or "")
    return parse_version(match.group(1)) if match else None


def shown(version: Sequence[int] | None) -> str:
    return ".".join(map(str, version)) if version else "unknown"


def has_command(command: str, version: Sequence[int] | None) -> bool:
    """Whether OM ``version`` has ops ``command`` (an unknown version: only the commands every version has)."""
    since = SINCE.get(command)
    return since is None or (version is not None and tuple(version)[:3] >= since)


def job_name(command: str, tag: str) -> str:
    """``om-<command>-<tag>``: stable per step and generation (a DNS label)."""
    if command not in COMMANDS:
        raise ValueError(f"{command!r} is not an OM operation; expected one of {', '.join(COMMANDS)}")
    return f"om-{command}-{tag}"[:63].rstrip("-")


def parse_job_name(name: Any) -> Step | None:
    match = JOB_NAME.fullmatch(name) if isinstance(name, str) else None
    return Step(match.group(1), match.group(2)) if match else None


def migration_tag(provider: str) -> str:
    return f"to-{provider}"


def jwt_tag(generation: int | None, imported: bool = False) -> str:
    """The JWT pair a bot-token step is for: ``jwt-gen-<n>`` (generated) or ``jwt-imported`` (adopted)."""
    return "jwt-imported" if imported else f"jwt-gen-{generation}"


def jwt_steps(version: Sequence[int] | None) -> tuple[str, ...]:
    """The commands run after a JWT key change on OM ``version``, in order (regenerate only where it exists)."""
    return tuple(c for c in JWT_STEPS if has_command(c, version))


def om_job_manifest(
    *,
    step: Step,
    namespace: str,
    image: str,
    service_account: str,
    env: Sequence[Mapping[str, Any]],
    env_from: Sequence[str] = (),
    secret_env: Mapping[str, tuple[str, str]] | None = None,
    volumes: Sequence[Mapping[str, Any]] = (),
    volume_mounts: Sequence[Mapping[str, Any]] = (),
    skip_await: bool = False,
) -> dict[str, Any]:
    """The Job running ``./bootstrap/openmetadata-ops.sh <step.command>`` as OM's server runs.

    ``env``: the server's pod env (EnvVar dicts, literal or ``secretKeyRef``), set as given and after
    ``secret_env`` (env from Secrets of yours); ``env_from``: Secrets read whole, each optional (the chart
    renders some only when their section is on); ``volumes``/``volume_mounts``: the server's (the JWT key files).
    """
    from .app_config.refs import SecretRef

    own = {e["name"] for e in env}
    extra = {k: SecretRef(*ref) for k, ref in sorted((secret_env or {}).items()) if k not in own}
    manifest = job_manifest(
        name=step.name, namespace=namespace, image=image, args=[OPS_SCRIPT, step.command], env=extra,
        component=f"om-{step.command}", service_account=service_account, container=step.command,
    )
    pod = manifest["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    container["command"] = ["/bin/bash"]
    container["workingDir"] = OM_HOME
    container["env"] = [*container["env"], *(dict(e) for e in env)]
    if env_from:
        container["envFrom"] = [{"secretRef": {"name": n, "optional": True}} for n in env_from]
    container["securityContext"]["runAsUser"] = OM_UID
    container["terminationMessagePolicy"] = "FallbackToLogsOnError"  # a failed up shows the log's tail
    if volume_mounts:
        container["volumeMounts"] = [dict(m) for m in volume_mounts]
    if volumes:
        pod["volumes"] = [dict(v) for v in volumes]
    if skip_await:
        manifest["metadata"]["annotations"] = {SKIP_AWAIT: "true"}
    return manifest


def log_command(namespace: str, step: Step) -> str:
    """How to read the whole log of a step's Job (its tail is in a failed ``up``'s message)."""
    return f"kubectl -n {namespace} logs job/{step.name} --tail=200"
