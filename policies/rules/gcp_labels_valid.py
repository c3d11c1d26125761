"""OMS-GCP-003: a Secret Manager secret's labels are valid GCP labels (GCP refuses the secret otherwise).

At most 64 labels; keys 1-63 characters starting with a lower-case letter, values 0-63; lower-case
letters (any script), digits, ``_`` and ``-`` (``components.conventions.is_gcp_label_key/value``).
"""

from omsecrets.components import conventions
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    labels = u.get(args.props, "labels")
    if not isinstance(labels, dict):
        return
    name = u.known_str(u.get(args.props, "secretId")) or args.name
    if len(labels) > conventions.GCP_MAX_LABELS:
        report(f"secret {name} has {len(labels)} labels; GCP allows {conventions.GCP_MAX_LABELS}")
    for key, value in labels.items():
        if not conventions.is_gcp_label_key(key):
            report(f"secret {name}: label key {key!r} is not a GCP label key")
        elif value is not u.UNKNOWN and not conventions.is_gcp_label_value(value):
            report(f"secret {name}: label {key}={value!r} is not a GCP label value")


RULE = Rule(
    id="OMS-GCP-003",
    name="gcp-labels-valid",
    description="Secret Manager labels are valid: lower case, at most 63 characters, letters, digits, '_', '-'.",
    level="mandatory",
    remediation="Fix om-secrets:tags (they become the labels): keys start with a lower-case letter; keys and values "
    "use lower-case letters, digits, '_' and '-', at most 63 characters; at most 64 labels.",
    kind="resource",
    resource_types=("gcp:secretmanager/secret:Secret",),
    validate=validate,
)
