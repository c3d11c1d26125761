"""OMS-K8S-006: ConfigMaps hold no secret values (keys named like secrets, Fernet or AWS keys)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    data = u.get(args.props, "data") or {}
    if isinstance(data, dict):
        for what in u.secret_value_findings(data):
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
