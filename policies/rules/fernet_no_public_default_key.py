"""OMS-FERNET-001: OpenMetadata's public default Fernet key appears in no resource input."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    paths = [path for path, text in u.walk_strings(args.props) if u.contains_public_default_key(text)]
    if args.resource_type == u.K8S_SECRET:
        paths += [f"data.{key}" for key, text in u.secret_values(args.props)
                  if u.contains_public_default_key(text) and f"stringData.{key}" not in paths]
    for path in sorted(set(paths)):
        report(f"{args.name}: {path or 'the value'} contains OpenMetadata's public default Fernet key")


RULE = Rule(
    id="OMS-FERNET-001",
    name="fernet-no-public-default-key",
    description="OM's public default Fernet key (shipped in conf/openmetadata.yaml) is never deployed.",
    level="mandatory",
    remediation="Let components.fernet_ring.FernetKeyRing generate the ring (or `omsecrets fernet generate`), "
    "and re-encrypt values written with the default key before removing it.",
    kind="resource",
    validate=validate,
)
