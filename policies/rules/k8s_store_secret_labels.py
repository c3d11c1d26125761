"""OMS-K8S-005: secrets in OM's Kubernetes store carry OM's labels (app, managed-by)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    labels = u.get(args.props, "metadata", "labels") or {}
    if labels is u.UNKNOWN:
        return
    labels = labels if isinstance(labels, dict) else {}
    in_store = u.under(args.urn, u.K8S_STORE) or any(labels.get(k) == v for k, v in u.OM_STORE_LABELS.items())
    if not in_store:
        return
    wrong = [f"{k}={v}" for k, v in u.OM_STORE_LABELS.items() if labels.get(k) != v and labels.get(k) is not u.UNKNOWN]
    if wrong:
        report(f"store Secret {u.get(args.props, 'metadata', 'name') or args.name} lacks label(s) {', '.join(wrong)}")


RULE = Rule(
    id="OMS-K8S-005",
    name="k8s-store-secret-labels",
    description="Secrets of OM's kubernetes store are labelled app=openmetadata, managed-by=openmetadata-secrets-manager.",
    level="mandatory",
    remediation="Seed them with components.stores.KubernetesSecretStore (it sets OM_LABELS), "
    "as OM's KubernetesSecretsManager labels the secrets it creates.",
    kind="resource",
    resource_types=(u.K8S_SECRET,),
    validate=validate,
)
