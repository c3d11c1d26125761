"""Fernet keys, key rings and the declarative rotation check (components/fernet.py)."""

from __future__ import annotations

import base64
import dataclasses
import secrets

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from hypothesis import given, settings
from hypothesis import strategies as st

from omsecrets.components.fernet import (
    OM_PUBLIC_DEFAULT_KEY,
    KeyRing,
    generate_key,
    rotation_problems,
    validate_key,
)

# Raw bytes whose standard base64 contains both '+' and '/'.
_RAW_WITH_ALT_CHARS = b"\xfb\xff\xbf" * 10 + b"\x01\x02"
STD_KEY = base64.standard_b64encode(_RAW_WITH_ALT_CHARS).decode()
URLSAFE_KEY = base64.urlsafe_b64encode(_RAW_WITH_ALT_CHARS).decode()
OM_DEFAULT_URLSAFE = OM_PUBLIC_DEFAULT_KEY.replace("+", "-").replace("/", "_")
VALID = generate_key()


def _raw(key: str) -> bytes:
    return base64.urlsafe_b64decode(key)


# ---------------------------------------------------------------- keys


def test_generate_key_is_a_fresh_32_byte_urlsafe_key():
    keys = {generate_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert len(key) == 44
        assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
        assert len(_raw(key)) == 32
        assert validate_key(key) == key
        assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_standard_spelling_is_accepted_and_normalized_to_urlsafe():
    assert "+" in STD_KEY and "/" in STD_KEY
    assert validate_key(STD_KEY) == URLSAFE_KEY
    assert validate_key(URLSAFE_KEY) == URLSAFE_KEY
    mixed = STD_KEY.replace("+", "-", 1)
    assert validate_key(mixed) == URLSAFE_KEY


@pytest.mark.parametrize(
    "key, fragments",
    [
        pytest.param("", ["empty", "omsecrets fernet generate"], id="empty"),
        pytest.param(VALID[:43], ["43 characters", "44 characters", "32 bytes"], id="too-short"),
        pytest.param(VALID + "A", ["45 characters", "44 characters", "32 bytes"], id="too-long"),
        pytest.param("abc", ["3 characters", "44 characters"], id="tiny"),
        pytest.param(VALID[:10] + "!" + VALID[11:], ["not base64", "position 11"], id="bang"),
        pytest.param(VALID[:5] + " " + VALID[6:], ["whitespace", "position 6"], id="space"),
        pytest.param(VALID[:43] + "\n", ["whitespace", "position 44"], id="newline-in-place-of-pad"),
        pytest.param(" " + VALID, ["whitespace", "position 1", "without trimming"], id="leading-space"),
        pytest.param(VALID[:20] + "é" + VALID[21:], ["not base64", "position 21"], id="non-ascii"),
        pytest.param(VALID[:42] + "==", ["31 bytes", "32 bytes"], id="double-padding"),
        pytest.param(VALID[:43] + "A", ["33 bytes", "32 bytes"], id="no-padding"),
        pytest.param(VALID[:20] + "=" + VALID[21:], ["not valid base64"], id="pad-in-middle"),
        pytest.param(VALID[:42] + "B=", ["not canonical"], id="stray-bits"),
        pytest.param(OM_PUBLIC_DEFAULT_KEY, ["PUBLIC", "conf/openmetadata.yaml",
                                             "omsecrets fernet generate"], id="om-default-std"),
        pytest.param(OM_DEFAULT_URLSAFE, ["PUBLIC", "conf/openmetadata.yaml",
                                          "omsecrets fernet generate"], id="om-default-urlsafe"),
        pytest.param(None, ["must be a string"], id="not-a-string"),
    ],
)
def test_validate_key_refuses(key, fragments):
    with pytest.raises(ValueError) as info:
        validate_key(key)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    if isinstance(key, str) and len(key) >= 8:
        assert key not in message
        # not even 4 characters of it, nor the bad character itself
        assert not [key[i:i + 4] for i in range(len(key) - 3) if key[i:i + 4] in message]
        assert "'!'" not in message and "'é'" not in message


def test_om_default_key_spellings_decode_to_the_same_bytes():
    assert OM_PUBLIC_DEFAULT_KEY != OM_DEFAULT_URLSAFE
    assert _raw(OM_DEFAULT_URLSAFE) == base64.b64decode(OM_PUBLIC_DEFAULT_KEY)


def test_stray_bits_case_is_really_non_canonical():
    key = VALID[:42] + "B="
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert base64.urlsafe_b64encode(base64.urlsafe_b64decode(key)).decode() != key


# ---------------------------------------------------------------- rings

raw_keys = st.binary(min_size=32, max_size=32).filter(lambda b: b != _raw(OM_DEFAULT_URLSAFE))
rings = st.lists(raw_keys, min_size=1, max_size=5, unique=True).map(
    lambda raws: [base64.urlsafe_b64encode(r).decode() for r in raws]
)


@given(rings)
def test_ring_value_round_trips(keys):
    ring = KeyRing(keys)
    assert ring.keys == tuple(keys)
    assert ring.primary == keys[0]
    assert len(ring) == len(keys)
    assert ring.value == ",".join(keys)
    assert KeyRing.parse(ring.value) == ring
    assert KeyRing.parse(",".join(k.replace("-", "+").replace("_", "/") for k in keys)) == ring
    with pytest.raises(ValueError, match="whitespace"):  # OM's split(",") does not trim
        KeyRing.parse(" " + ",".join(keys))


@settings(max_examples=25)
@given(rings)
def test_ring_value_is_what_airflow_and_om_build_multifernet_from(keys):
    ring = KeyRing(keys)
    multi = MultiFernet([Fernet(part) for part in ring.value.split(",")])  # Airflow get_fernet()
    token = multi.encrypt(b"secret")
    assert Fernet(ring.primary).decrypt(token) == b"secret"
    for other in ring.keys[1:]:
        with pytest.raises(InvalidToken):
            Fernet(other).decrypt(token)
        assert multi.decrypt(Fernet(other).encrypt(b"old")) == b"old"


def test_ring_normalizes_standard_spelling():
    ring = KeyRing([STD_KEY, VALID])
    assert ring.primary == URLSAFE_KEY
    assert ring == KeyRing.parse(f"{URLSAFE_KEY},{VALID}")


@pytest.mark.parametrize(
    "keys, fragments",
    [
        pytest.param([], ["at least one key"], id="empty"),
        pytest.param([VALID, VALID], ["keys 1 and 2", "same key"], id="duplicate"),
        pytest.param([STD_KEY, URLSAFE_KEY], ["keys 1 and 2", "same key"], id="duplicate-spelling"),
        pytest.param([VALID, "short"], ["key 2 of 2", "5 characters"], id="bad-second"),
        pytest.param([generate_key(), generate_key(), OM_PUBLIC_DEFAULT_KEY],
                     ["key 3 of 3", "PUBLIC"], id="om-default-third"),
    ],
)
def test_ring_refuses(keys, fragments):
    with pytest.raises(ValueError) as info:
        KeyRing(keys)
    for fragment in fragments:
        assert fragment in str(info.value)
    for key in keys:
        if len(key) >= 8:
            assert key not in str(info.value)


def test_ring_refuses_a_plain_string():
    with pytest.raises(TypeError, match="KeyRing.parse"):
        KeyRing(VALID)


@pytest.mark.parametrize(
    "value, fragments",
    [
        pytest.param("", ["empty"], id="empty"),
        pytest.param("  ", ["empty"], id="blank"),
        pytest.param(f"{VALID},", ["key 2 of 2", "empty"], id="trailing-comma"),
        pytest.param(f"{VALID},,{URLSAFE_KEY}", ["key 2 of 3", "empty"], id="double-comma"),
        pytest.param(f"{VALID},{URLSAFE_KEY},{VALID[:30]}", ["key 3 of 3", "30 characters"],
                     id="bad-third"),
        pytest.param(f"{VALID},{OM_PUBLIC_DEFAULT_KEY}", ["key 2 of 2", "PUBLIC"], id="om-default"),
        pytest.param(f"{VALID}, {URLSAFE_KEY}", ["key 2 of 2", "whitespace at position 1"], id="space-after-comma"),
        pytest.param(f"short,{VALID},{VALID},", ["key 1 of 4", "5 characters", "keys 2 and 3", "key 4 of 4", "empty"],
                     id="every-problem"),
    ],
)
def test_parse_refuses_and_names_the_position(value, fragments):
    with pytest.raises(ValueError) as info:
        KeyRing.parse(value)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert VALID not in str(info.value)


def test_ring_is_immutable_and_hashable():
    ring = KeyRing([VALID])
    with pytest.raises(dataclasses.FrozenInstanceError):
        ring.keys = (URLSAFE_KEY,)
    assert {ring, KeyRing([VALID])} == {ring}
    assert ring != KeyRing([URLSAFE_KEY])
    assert ring != KeyRing([VALID, URLSAFE_KEY])


@given(rings)
def test_repr_never_shows_key_material(keys):
    ring = KeyRing(keys)
    shown = " ".join([repr(ring), str(ring), f"{ring}", f"{ring!r}", repr([ring]), repr({"r": ring})])
    for key in keys:
        assert key[:6] not in shown
    assert str(len(keys)) in repr(ring)


# ---------------------------------------------------------------- rotation check

KEY = "om-secrets:fernet.airflow"


@pytest.mark.parametrize(
    "generations, reencrypted_to",
    [
        ([1], None),
        ([1], 1),
        ([2, 1], None),
        ([2, 1], 2),
        ([2], 2),
        ([3, 2], 2),
        ([3, 2, 1], None),
        ([3, 2], 3),
        ([3], 3),
        ([5, 4], 4),
    ],
)
def test_rotation_ok(generations, reencrypted_to):
    assert rotation_problems(generations, reencrypted_to, key=KEY) == []


@pytest.mark.parametrize(
    "generations, reencrypted_to, fragments",
    [
        pytest.param([], None, ["generations []", "at least one"], id="empty"),
        pytest.param([0], None, ["[0]", "positive integer"], id="zero"),
        pytest.param([2, -1], None, ["-1", "positive integer"], id="negative"),
        pytest.param([True], None, ["True", "positive integer"], id="bool"),
        pytest.param(["2", 1], None, ["'2'", "positive integer"], id="string"),
        pytest.param([2, 2, 1], None, ["[2, 2, 1]", "repeat 2", "once"], id="duplicate"),
        pytest.param([1, 2], None, ["[1, 2]", "strictly descending", "[2, 1]"], id="ascending"),
        pytest.param([3, 1, 2], None, ["[3, 1, 2]", "[3, 2, 1]"], id="unsorted"),
        pytest.param([2, 1], 0, [f"{KEY}.reencryptedTo: 0", "positive integer <= the primary"],
                     id="reencrypted-zero"),
        pytest.param([2, 1], "2", [f"{KEY}.reencryptedTo: '2'", "positive integer"],
                     id="reencrypted-string"),
        pytest.param([2, 1], 3, [f"{KEY}.reencryptedTo: 3", "newer than the primary", "<= 2"],
                     id="reencrypted-above-primary"),
        pytest.param([3, 1], 2, [f"{KEY}.reencryptedTo: 2", "not in the ring [3, 1]"],
                     id="reencrypted-not-in-ring"),
        pytest.param([2], None, ["drops generation 1", "lost", "[2, 1]", "airflow rotate-fernet-key",
                                 "rotation Job", f"`{KEY}.reencryptedTo: 2`"], id="drop-1-unrotated"),
        pytest.param([3, 2], None, ["drops generation 1", f"`{KEY}.reencryptedTo: 3`"],
                     id="drop-1-under-3"),
        pytest.param([3], 2, ["drops generation 2", "reencryptedTo: 2)", "[3, 2]",
                              f"`{KEY}.reencryptedTo: 3`"], id="drop-2-after-rotate-to-2"),
        pytest.param([3, 1], None, ["drops generation 2", "[3, 2, 1]"], id="gap"),
        pytest.param([4], None, ["drops generations 1, 2, 3", "[4, 3, 2, 1]"], id="drop-many"),
    ],
)
def test_rotation_problems(generations, reencrypted_to, fragments):
    problems = rotation_problems(generations, reencrypted_to, key=KEY)
    assert problems
    assert all(p.startswith(KEY) for p in problems)
    joined = "\n".join(problems)
    for fragment in fragments:
        assert fragment in joined


def test_invalid_reencrypted_to_does_not_excuse_dropped_generations():
    problems = rotation_problems([3], 5, key=KEY)
    assert len(problems) == 2
    assert "drops generations 1, 2" in problems[1]


# ---------------------------------------------------------------- OM no-loss property

N_VALUES = 1000


def _om_encrypt(ring: KeyRing, plain: str) -> str:
    """What OM's Fernet.encrypt stores: ``fernet:<token>`` made with the ring's first key."""
    return "fernet:" + _multi(ring).encrypt(plain.encode()).decode()


def _om_decrypt(ring: KeyRing, stored: str) -> str:
    assert stored.startswith("fernet:")
    return _multi(ring).decrypt(stored.removeprefix("fernet:").encode()).decode()


def _om_reencrypt(ring: KeyRing, stored: str) -> str:
    """The re-encryption step: decrypt with any ring key, encrypt with the primary."""
    token = stored.removeprefix("fernet:").encode()
    return "fernet:" + _multi(ring).rotate(token).decode()


def _multi(ring: KeyRing) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in ring.value.split(",")])


@pytest.fixture(scope="module")
def stage1():
    k1, k2 = generate_key(), generate_key()
    values = [f"secret:/openmetadata/database/svc-{i}/password" for i in range(N_VALUES // 2)]
    values += [secrets.token_urlsafe(i % 40) + "ü" * (i % 3) for i in range(N_VALUES - len(values))]
    ring1 = KeyRing([k1])
    stored = [_om_encrypt(ring1, v) for v in values]
    return k1, k2, values, stored


def test_om_rotation_keeps_every_value(stage1):
    k1, k2, values, stored = stage1
    assert rotation_problems([1], None, key=KEY) == []

    ring2 = KeyRing([k2, k1])
    assert rotation_problems([2, 1], None, key=KEY) == []
    assert [_om_decrypt(ring2, s) for s in stored] == values
    rotated = [_om_reencrypt(ring2, s) for s in stored]
    assert rotation_problems([2, 1], 2, key=KEY) == []

    ring3 = KeyRing([k2])
    assert rotation_problems([2], 2, key=KEY) == []
    assert [_om_decrypt(ring3, s) for s in rotated] == values
    with pytest.raises(InvalidToken):
        _om_decrypt(KeyRing([k1]), rotated[0])


def test_om_rotation_without_reencryption_loses_every_value(stage1):
    k1, k2, values, stored = stage1
    ring2 = KeyRing([k2, k1])
    assert [_om_decrypt(ring2, s) for s in stored] == values

    ring3 = KeyRing([k2])
    assert rotation_problems([2], None, key=KEY) != []
    lost = 0
    for s in stored:
        with pytest.raises(InvalidToken):
            _om_decrypt(ring3, s)
        lost += 1
    assert lost == N_VALUES
