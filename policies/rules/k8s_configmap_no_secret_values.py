"""OMS-K8S-006: ConfigMaps hold no secret values (keys named like secrets, Fernet or AWS keys)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def findings(data: dict) -> list[str]:
    out = []
    for key, value in sorted(data.items()):
        if not isinstance(value, str) or not value.strip() or value in u.PLACEHOLDERS or u.is_reference(value):
            continue
        if u.has_fernet_key(value):
            out.append(f"{key} holds a Fernet key")
        elif u.looks_like_aws_secret_key(value):
            out.append(f"{key} looks like an AWS secret access key")
        elif u.secret_like_key(key):
            out.append(f"{key} is named like a secret and has a value")
    return out


def validate(args, report):
    data = u.get(args.props, "data") or {}
    if isinstance(data, dict):
        for what in findings(data):
            report(f"ConfigMap {u.get(args.props, 'metadata', 'name') or args.name}: {what}")


RULE = Rule(
    id="OMS-K8S-006",
    name="k8s-configmap-no-secret-values",
    description="ConfigMaps carry no passwords, tokens, keys or Fernet keys: those belong in Secrets.",
    level="mandatory",
    remediation="Move the value to a Kubernetes Secret (components.app_config delivers Fernet rings and "
    "access keys that way) and reference it with secretKeyRef or an OM secret:<id> reference.",
    kind="resource",
    resource_types=(u.K8S_CONFIG_MAP,),
    validate=validate,
)
