"""OMS-FERNET-003 fernet-keys-protected: in production, each ring generation's RandomBytes is protected."""

import pytest

from tests.support import rules as h

RULE, BYTES = "OMS-FERNET-003", "random:index/randomBytes:RandomBytes"
RING = "om-secrets:fernet:FernetKeyRing"
UNDER_RING = ("om-secrets:index:OpenMetadataSecrets", RING)


def test_protected():
    h.none(RULE, h.resource(BYTES, {"length": 32}, parents=UNDER_RING, protect=True))


def test_unprotected():
    f = h.one(RULE, h.resource(BYTES, {"length": 32}, name="prod-airflow-fernet-gen-2", parents=UNDER_RING))
    assert f.message.startswith("Fernet key prod-airflow-fernet-gen-2 is not protected")


def test_off_outside_production():
    h.none(RULE, h.resource(BYTES, {}, parents=UNDER_RING, production=False))


@pytest.mark.parametrize("parents", [(), ("om-secrets:index:OpenMetadataSecrets",), (RING, "om-secrets:other:Thing")],
                         ids=["root", "other-parent", "ring-grandparent"])
def test_other_random_bytes(parents):
    h.none(RULE, h.resource(BYTES, {}, parents=parents))


def test_other_types_ignored():
    h.none(RULE, h.resource("random:index/randomPassword:RandomPassword", {}, parents=UNDER_RING))
