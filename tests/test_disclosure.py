"""``components.disclosure``: which texts a message may show; key material never, names always."""

from __future__ import annotations

import random
import re
import secrets
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from omsecrets.components import disclosure
from omsecrets.components.fernet import generate_key

ROOT = Path(__file__).resolve().parents[1]

#: Names a message must keep showing: each is the kind of value om-secrets reports on.
NAMES = (
    "existingOmFernetKey", "airflowFernetKeyGeneration2", "openmetadata-secrets-keys", "database/mysql-prod/password",
    "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C1D3F6B9A2E4C7D8E0F1A2B3C4D5E6F",
    "https://oidc.eks.eu-west-1.amazonaws.com/id/9F8E7D6C5B4A39281706F5E4D3C2B1A0",
    "/subscriptions/3f2b8c1d-6a4e-4f0b-9c7d-2e5a1b8f9c03/resourceGroups/rg-aks-prod/providers/Microsoft.Network/"
    "virtualNetworks/vnet/subnets/aks", "3f2b8c1d-6a4e-4f0b-9c7d-2e5a1b8f9c03",
    "apache/airflow@sha256:" + "0123456789abcdef" * 4, "projects/p/locations/l/keyRings/r/cryptoKeys/k",
    "softDeleteRetentionInDays=90", "k8s.core.v1.ConfigMap", "om-secrets:aws.kms.replicaKeyArns.eu-central-1",
)


def _repository_strings() -> set[str]:
    """Every string scalar (and key) of the shipped stack files and test fixtures."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            found.add(value)

    for path in [*ROOT.glob("stacks/*.yaml"), *ROOT.glob("tests/fixtures/**/*.yaml"), ROOT / "Pulumi.yaml"]:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            walk(document)
    return found


@pytest.mark.parametrize("name", NAMES)
def test_names_are_shown(name):
    assert disclosure.may_show(name) and disclosure.shown(name) == repr(name)
    assert disclosure.redact(f"x: {name!r} is not allowed") == f"x: {name!r} is not allowed"


def test_every_plain_value_of_the_shipped_stacks_and_fixtures_is_shown():
    """Secure values (``v1:`` ciphertexts) excepted: they are never shown, and never checked as plaintext."""
    flagged = sorted(s for s in _repository_strings() if disclosure.looks_like_key_material(s) and not s.startswith("v1:"))
    assert flagged == []


def test_a_fernet_key_is_never_shown_nor_any_part_of_it():
    for _ in range(2000):
        key = generate_key()
        assert disclosure.looks_like_key_material(key) and not disclosure.may_show(key)
        message = disclosure.redact(f"om-secrets:x: {key!r} is not set; run `pulumi config set --secret om-secrets:{key} v`")
        assert not [key[i:i + 8] for i in range(len(key) - 7) if key[i:i + 8] in message]
        assert "44-character value that looks like key material" in disclosure.describe(key)


@pytest.mark.parametrize("make, most_missed", [
    (lambda rnd: secrets.token_urlsafe(32), 0.02),
    (lambda rnd: "".join(rnd.choice(string.ascii_letters + string.digits + "/+") for _ in range(40)), 0.02),
    (lambda rnd: "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(32)), 0.04),
])
def test_random_tokens_are_recognised(make, most_missed):
    """The measured rates (module docstring): 1,000 random values each, no more missed than stated."""
    rnd = random.Random(7)
    missed = sum(1 for _ in range(1000) if disclosure.may_show(make(rnd)))
    assert missed <= 1000 * most_missed


def test_a_pem_block_is_never_shown():
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    assert not disclosure.may_show(pem) and "MIIE" not in disclosure.redact(f"value {pem!r} is bad")


@hyp_settings(deadline=None)  # no timing assertion: a loaded machine may take longer than hypothesis' 200 ms
@given(st.lists(st.sampled_from(["om", "secrets", "fernet", "Key", "Airflow", "Ring", "-", "_", "2", "db"]),
                min_size=1, max_size=8).map("".join))
def test_names_made_of_words_are_key_names(name):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
        assert disclosure.is_key_name(name)


@pytest.mark.parametrize("value, said", [
    (None, "an empty value"), (True, "a boolean"), (12, "a number"), ([1, 2], "a list of 2 item(s)"),
    ({"a": 1}, "an object of 1 key(s)"), ("abc", "a 3-character string"),
])
def test_describe_says_the_kind_and_length(value, said):
    assert disclosure.describe(value) == said
