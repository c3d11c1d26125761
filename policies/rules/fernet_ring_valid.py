"""OMS-FERNET-002: delivered Fernet rings parse as ``components.fernet.KeyRing``.

Checked: Kubernetes Secret keys FERNET_KEY / fernet-key / AIRFLOW__CORE__FERNET_KEY and the
``value`` of OM store secrets named ``...-fernet-<app>``; SSM parameters and Secrets Manager
versions of ``.../fernet/<app>``. Unknown and placeholder values are skipped, and so is the
pointer a Kubernetes store Secret holds once its ring copy moved to the keys namespace.
"""

import re

from omsecrets.components import core, fernet
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

RING_KEYS = ("FERNET_KEY", "fernet-key", "AIRFLOW__CORE__FERNET_KEY")
_STORE_NAME = re.compile(r"-fernet-(openmetadata|airflow)$")
_STORE_ID = re.compile(r"/fernet/(openmetadata|airflow)(-[A-Za-z0-9]{6})?$")


def rings(args):
    """``(where, value)`` of every ring value the resource holds."""
    props = args.props
    if args.resource_type == u.K8S_SECRET:
        name = u.known_str(u.get(props, "metadata", "name")) or ""
        for key, text in u.secret_values(props):
            if key in RING_KEYS or (key == "value" and _STORE_NAME.search(name)):
                yield key, text
    elif args.resource_type == "aws:ssm/parameter:Parameter":
        if _STORE_ID.search(u.known_str(u.get(props, "name")) or ""):
            yield "value", u.get(props, "value")
    else:
        if _STORE_ID.search(u.known_str(u.get(props, "secretId")) or ""):
            yield "secretString", u.get(props, "secretString")


def validate(args, report):
    for where, value in rings(args):
        value = u.known_str(value)
        if value is None or (where == "value" and core.is_vacated_key_copy(value)):
            continue
        try:
            fernet.KeyRing.parse(value)
        except (ValueError, TypeError) as exc:
            report(f"{args.name}: {where} is not a valid Fernet key ring: {exc}")  # names positions, never a key


RULE = Rule(
    id="OMS-FERNET-002",
    name="fernet-ring-valid",
    description="Fernet rings delivered to OM and Airflow are comma-separated valid, distinct 32-byte keys.",
    level="mandatory",
    remediation="Deliver the ring of components.fernet_ring.FernetKeyRing (value output) unchanged; "
    "never hand-edit FERNET_KEY / fernet-key.",
    kind="resource",
    resource_types=(u.K8S_SECRET, "aws:ssm/parameter:Parameter", "aws:secretsmanager/secretVersion:SecretVersion"),
    validate=validate,
)
