"""OMS-K8S-004: Kubernetes Secret names are DNS-1123 subdomains."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

AUTONAME_SUFFIX = "-0123abcd"  # Pulumi appends '-' and 8 random lower-case characters


def validate(args, report):
    name = u.get(args.props, "metadata", "name")
    if name is u.UNKNOWN:
        return
    if name is None:
        if not u.is_dns_subdomain(args.name + AUTONAME_SUFFIX):
            report(f"Secret {args.name} is auto-named from its logical name, which is not a valid DNS-1123 subdomain")
        return
    if not isinstance(name, str) or not u.is_dns_subdomain(name):
        report(f"Secret name {name!r} is not a DNS-1123 subdomain (lower-case letters, digits, '-', '.'; at most 253)")


RULE = Rule(
    id="OMS-K8S-004",
    name="k8s-secret-name-valid",
    description="Kubernetes Secret names are valid DNS-1123 subdomains.",
    level="mandatory",
    remediation="Use lower-case letters, digits, '-' and '.' (at most 253); OM's kubernetes ids come from "
    "omsecrets.components.conventions.secret_id('kubernetes', ...).",
    kind="resource",
    resource_types=(u.K8S_SECRET,),
    validate=validate,
)
