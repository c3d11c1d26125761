"""OMS-FERNET-003: in production, every Fernet key generation resource is protected."""

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

RING_TYPE = core.FERNET_RING_TYPE


def validate(args, report):
    if u.parent_type(args.urn) == RING_TYPE and not args.opts.protect:
        report(f"Fernet key {args.name} is not protected: `pulumi destroy` or a rename would delete it "
               "and every value encrypted with it")


RULE = Rule(
    id="OMS-FERNET-003",
    name="fernet-keys-protected",
    description="In production, the RandomBytes behind each Fernet key generation has protect=True.",
    level="mandatory",
    outside_production="off",
    remediation="Keep om-secrets:protect true in production (FernetKeyRingArgs.protect), or set "
    "protect=True on the key resource.",
    kind="resource",
    resource_types=("random:index/randomBytes:RandomBytes",),
    validate=validate,
)
