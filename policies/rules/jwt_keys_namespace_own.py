"""OMS-JWT-002: the Secret holding OM's JWT private key is not in a namespace where ingestion runs.

RBAC cannot stop a pod from mounting a Secret of its own namespace: any pod there (an Airflow task,
an ingestion Job) could mount the signing key and mint admin tokens. Ingestion namespaces are those of
the ``OpenMetadataSecrets`` component's ``serviceAccounts.ingestion`` and of every Kubernetes object
labelled ``app.kubernetes.io/component: airflow`` (what om-secrets delivers to Airflow); JWT key
Secrets are those with a ``private_key.der`` key (the file OM reads) in ``data`` or ``stringData``, and
om-secrets' own ``openmetadata-jwt-keys`` when its data is not known yet (a real preview, before the key
exists).
"""

from omsecrets.components import core, jwt
from omsecrets.components.app_config.refs import JWT_KEYS_SECRET
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

COMPONENT_LABEL = "app.kubernetes.io/component"


def _namespace(resource) -> str | None:
    return u.known_str(u.get(resource.props, "metadata", "namespace"))


def ingestion_namespaces(resources) -> set[str]:
    out = set()
    for r in resources:
        if r.resource_type == core.ENVIRONMENT_TYPE:
            where = u.known_str(u.get(r.props, "serviceAccounts", "ingestion"))
            if where:
                namespace, slash, _ = where.partition("/")
                if slash:
                    out.add(namespace)
        elif r.resource_type.startswith("kubernetes:") and \
                u.get(r.props, "metadata", "labels", COMPONENT_LABEL) == core.AIRFLOW_APP:
            namespace = _namespace(r)
            if namespace:
                out.add(namespace)
    return out


def holds_jwt_private_key(resource) -> bool:
    keys, unknown = set(), False
    for field in ("data", "stringData"):
        value = u.get(resource.props, field)
        if isinstance(value, dict):
            keys.update(value)
        unknown = unknown or value is u.UNKNOWN
    return jwt.PRIVATE_KEY_FILE in keys or (unknown and u.get(resource.props, "metadata", "name") == JWT_KEYS_SECRET)


def validate(args, report):
    shared = ingestion_namespaces(args.resources)
    for r in u.of_type(args.resources, u.K8S_SECRET):
        namespace = _namespace(r)
        if namespace in shared and holds_jwt_private_key(r):
            name = u.known_str(u.get(r.props, "metadata", "name")) or r.name
            report(f"Secret {namespace}/{name} holds OM's JWT private key in namespace {namespace!r}, where ingestion "
                   "runs: any pod there can mount it (RBAC does not govern volume mounts) and mint admin tokens",
                   r.urn)


RULE = Rule(
    id="OMS-JWT-002",
    name="jwt-keys-namespace-own",
    description="OM's JWT signing key Secret lives in a namespace where no ingestion or Airflow pod runs.",
    level="mandatory",
    outside_production="advisory",
    remediation="Run ingestion (Airflow) in a namespace of its own: om-secrets:ingestion.namespace different from "
    "server.namespace.",
    kind="stack",
    validate=validate,
)
