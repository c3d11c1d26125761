"""A pin on an adopted key: its value cannot change under the same config key name unseen.

An imported Fernet generation or JWT key comes from a config key set with ``--secret``. Replacing that
value in place (``pulumi config set --secret existingOmFernetKey <another key>``) keeps every name, so no
offline check can see it: offline, the value is encrypted in the stack file. The pin is a protected
``random:index/randomId:RandomId`` whose ``keepers`` hold a fingerprint of the key (a secret SHA-256 for a
Fernet key; the public key's SHA-256 for a JWT key). A new value changes the keepers, so ``pulumi preview``
shows the pin replaced and ``pulumi up`` stops there (a protected resource is never replaced); without
protection the preview still shows it.
"""

from __future__ import annotations

import hashlib

import pulumi
import pulumi_random as random

PIN_TYPE = "random:index/randomId:RandomId"
#: The suffix of a pin's name after its key's name.
SUFFIX = "-imported"


def fingerprint(key: str) -> str:
    """SHA-256 (hex) of a key as text, surrounding white space aside (a secret: keep it in secret Outputs)."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def pin(name: str, fingerprint_: pulumi.Input[str], *, parent: pulumi.Resource, protect: bool,
        secret: bool = True) -> random.RandomId:
    """The pin ``name`` (``<key name>-imported``) holding ``fingerprint_`` in its keepers."""
    return random.RandomId(
        name,
        byte_length=4,
        keepers={"fingerprint": pulumi.Output.secret(fingerprint_) if secret else fingerprint_},
        opts=pulumi.ResourceOptions(parent=parent, protect=protect,
                                    additional_secret_outputs=["keepers"] if secret else None),
    )
