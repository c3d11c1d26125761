"""Fabricated provider outputs: deterministic, realistic ARNs, ids, random values and keys for aws, random, tls,
kubernetes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import uuid
from typing import Any, Optional

from omsecrets.engine import _pulumi
from omsecrets.engine.values import _intify, _rewrap, _unwrap

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def _hex(seed: str, size: int = 64) -> str:
    return _digest(seed).hex()[:size]


def _stream(seed: str, size: int) -> bytes:
    """``size`` bytes: sha256(seed) repeated."""
    block = _digest(seed)
    return (block * (size // len(block) + 1))[:size]


def _uuid(seed: str) -> str:
    return str(uuid.UUID(bytes=_digest("uuid", seed)[:16], version=4))


def _kebab(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
_PET_WORDS = ("amber", "brisk", "cedar", "dune", "ember", "fern", "grove", "harbor",
              "iris", "jade", "kestrel", "lark", "maple", "nectar", "otter", "pine")


def _pick(seed: str, alphabet: str, size: int) -> str:
    data = b"".join(_digest(seed, str(i)) for i in range(size // 32 + 1))
    return "".join(alphabet[b % len(alphabet)] for b in data[:size])


def _password(seed: str, inputs: dict) -> str:
    """Deterministic password honouring length, character classes and minimums."""
    length = int(inputs.get("length") or 16)
    classes = [
        ("upper", "minUpper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("lower", "minLower", "abcdefghijklmnopqrstuvwxyz"),
        ("numeric", "minNumeric", "0123456789"),
        ("special", "minSpecial", inputs.get("overrideSpecial") or _DEFAULT_SPECIAL),
    ]
    enabled = [(int(inputs.get(m) or 0), chars) for flag, m, chars in classes if inputs.get(flag, True)]
    if not enabled:
        return ""
    chars = [c for n, (count, alphabet) in enumerate(enabled) for c in _pick(f"{seed}/{n}", alphabet, count)]
    pool = "".join(alphabet for _, alphabet in enabled)
    chars += _pick(f"{seed}/pool", pool, max(0, length - len(chars)))
    order = _stream(f"{seed}/order", max(len(chars), 1) * 2)
    for i in range(len(chars) - 1, 0, -1):
        j = int.from_bytes(order[2 * i:2 * i + 2], "big") % (i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@dataclasses.dataclass(frozen=True)
class _Fab:
    """What a fabricator knows about the resource being created."""

    type: str
    name: str
    urn: str
    inputs: dict
    region: str
    account: str

    def physical(self, key: str = "name", lower: bool = False) -> str:
        value, _ = _unwrap(self.inputs.get(key))
        if value:
            return value
        prefix, _ = _unwrap(self.inputs.get(key + "Prefix"))
        base = prefix or f"{self.name}-"
        auto = base + _hex(self.urn, 7)
        return auto.lower() if lower else auto


def _aws_generic(f: _Fab) -> tuple[str, dict]:
    service, _, member = f.type.split(":")[1].partition("/")
    phys = f.physical()
    return phys, {"arn": f"arn:aws:{service}:{f.region}:{f.account}:{_kebab(member)}/{phys}"}


def _aws_secret(f: _Fab) -> tuple[str, dict]:
    name = f.physical()
    arn = f"arn:aws:secretsmanager:{f.region}:{f.account}:secret:{name}-AbCdEf"
    return arn, {"name": name, "arn": arn}


def _aws_secret_version(f: _Fab) -> tuple[str, dict]:
    secret_id, _ = _unwrap(f.inputs.get("secretId"))
    version = _uuid(f.urn)
    return f"{secret_id}|{version}", {"arn": secret_id, "versionId": version,
                                     "versionStages": f.inputs.get("versionStages") or ["AWSCURRENT"]}


def _aws_parameter(f: _Fab) -> tuple[str, dict]:
    name = f.physical()
    sep = "" if name.startswith("/") else "/"
    return name, {"name": name, "arn": f"arn:aws:ssm:{f.region}:{f.account}:parameter{sep}{name}",
                  "version": 1, "tier": f.inputs.get("tier") or "Standard"}


def _aws_iam(kind: str, id_is_arn: bool, unique_prefix: str):
    def fabricate(f: _Fab) -> tuple[str, dict]:
        name = f.physical()
        path = f.inputs.get("path") or "/"
        arn = f"arn:aws:iam::{f.account}:{kind}{path}{name}"
        unique = unique_prefix + _pick(f.urn, _BASE32, 17)
        extra = {"name": name, "arn": arn, "path": path, ("policyId" if kind == "policy" else "uniqueId"): unique}
        return (arn if id_is_arn else name), extra

    return fabricate


def _aws_kms_key(f: _Fab) -> tuple[str, dict]:
    key_id = _uuid(f.urn)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{f.region}:{f.account}:key/{key_id}"}


def _aws_kms_alias(f: _Fab) -> tuple[str, dict]:
    name = f.physical() if f.inputs.get("name") else "alias/" + f.physical()
    target, _ = _unwrap(f.inputs.get("targetKeyId"))
    return name, {"name": name, "arn": f"arn:aws:kms:{f.region}:{f.account}:{name}",
                  "targetKeyArn": target if str(target).startswith("arn:") else
                  f"arn:aws:kms:{f.region}:{f.account}:key/{target}"}


def _aws_access_key(f: _Fab) -> tuple[str, dict]:
    key_id = "AKIA" + _pick(f.urn, _BASE32, 16)
    secret = base64.b64encode(_stream("secret/" + f.urn, 30)).decode()
    smtp = base64.b64encode(_stream("smtp/" + f.urn, 33)).decode()
    return key_id, {"secret": secret, "sesSmtpPasswordV4": smtp, "status": f.inputs.get("status") or "Active"}


def _aws_bucket(f: _Fab) -> tuple[str, dict]:
    bucket = f.physical("bucket", lower=True)
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}",
                    "bucketDomainName": f"{bucket}.s3.amazonaws.com"}


def _random_bytes(f: _Fab) -> tuple[str, dict]:
    data = _stream(f.urn, int(f.inputs.get("length") or 0))
    return "none", {"base64": base64.b64encode(data).decode(), "hex": data.hex()}


def _random_password(f: _Fab) -> tuple[str, dict]:
    result = _password(f.urn, f.inputs)
    return "none", {"result": result, "bcryptHash": "$2a$10$" + _pick("bcrypt/" + f.urn, _BASE32.lower() + "./", 53)}


def _random_string(f: _Fab) -> tuple[str, dict]:
    result = _password(f.urn, f.inputs)
    return result, {"result": result}


def _random_id(f: _Fab) -> tuple[str, dict]:
    data = _stream(f.urn, int(f.inputs.get("byteLength") or 0))
    prefix = f.inputs.get("prefix") or ""
    url = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return prefix + url, {
        "hex": prefix + data.hex(),
        "b64Url": prefix + url,
        "b64Std": prefix + base64.b64encode(data).decode(),
        "dec": prefix + str(int.from_bytes(data, "big")),
    }


def _random_uuid(f: _Fab) -> tuple[str, dict]:
    value = _uuid(f.urn)
    return value, {"result": value}


def _random_integer(f: _Fab) -> tuple[str, dict]:
    low, high = int(f.inputs.get("min") or 0), int(f.inputs.get("max") or 0)
    value = low + int.from_bytes(_digest(f.urn)[:8], "big") % max(high - low + 1, 1)
    return str(value), {"result": value}


def _random_pet(f: _Fab) -> tuple[str, dict]:
    words = [_PET_WORDS[b % len(_PET_WORDS)] for b in _digest(f.urn)[: int(f.inputs.get("length") or 2)]]
    if f.inputs.get("prefix"):
        words.insert(0, f.inputs["prefix"])
    pet = (f.inputs.get("separator") or "-").join(words)
    return pet, {}


def _random_shuffle(f: _Fab) -> tuple[str, dict]:
    items = list(f.inputs.get("inputs") or [])
    items.sort(key=lambda item: _digest(f.urn, str(item)))
    count = f.inputs.get("resultCount")
    return "-", {"results": items[: int(count)] if count else items}


def _tls_private_key(f: _Fab) -> tuple[str, dict]:
    """A real key (RSA only: what om-secrets declares), deterministic from the URN, so the DER conversion and
    everything downstream runs offline. ``privateKeyOpenssh`` is not fabricated (its check bytes are random)."""
    from cryptography.hazmat.primitives import serialization

    from omsecrets.components import jwt

    if (f.inputs.get("algorithm") or "RSA") != "RSA":
        return "none", {}
    bits = int(f.inputs.get("rsaBits") or jwt.DEFAULT_KEY_SIZE)
    key = jwt.stand_in_private_key(f.urn, bits)
    enc, fmt = serialization.Encoding, serialization.PrivateFormat
    public = key.public_key()
    public_pem = public.public_bytes(enc.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    openssh = public.public_bytes(enc.OpenSSH, serialization.PublicFormat.OpenSSH)
    blob = base64.b64decode(openssh.split()[1])
    spki = public.public_bytes(enc.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    # terraform-provider-tls: id = hashForState(PKIX DER), the hex SHA-1 of the trimmed value
    return hashlib.sha1(spki.strip(b" \t\n\r\v\f")).hexdigest(), {
        "rsaBits": bits,
        "ecdsaCurve": f.inputs.get("ecdsaCurve") or "P224",
        "privateKeyPem": key.private_bytes(enc.PEM, fmt.TraditionalOpenSSL, serialization.NoEncryption()).decode(),
        "privateKeyPemPkcs8": key.private_bytes(enc.PEM, fmt.PKCS8, serialization.NoEncryption()).decode(),
        "publicKeyPem": public_pem,
        "publicKeyOpenssh": openssh.decode() + "\n",
        "publicKeyFingerprintMd5": ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest()),
        "publicKeyFingerprintSha256": "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("="),
    }


def _kubernetes(f: _Fab) -> tuple[str, dict]:
    metadata, secret = _unwrap(f.inputs.get("metadata") or {})
    metadata = dict(metadata)
    metadata.setdefault("name", f"{f.name}-{_hex(f.urn, 8)}")
    metadata["uid"] = _uuid(f.urn)
    namespace, _ = _unwrap(metadata.get("namespace"))
    name, _ = _unwrap(metadata["name"])
    extra = {"metadata": _rewrap(metadata, secret)}
    if f.type == "kubernetes:core/v1:Secret" and f.inputs.get("stringData"):
        extra["data"] = _kubernetes_secret_data(f.inputs.get("data"), f.inputs["stringData"])
    return (f"{namespace}/{name}" if namespace else str(name)), extra


def _kubernetes_secret_data(data: Any, string_data: Any) -> Any:
    data, data_secret = _unwrap(data or {})
    string_data, string_secret = _unwrap(string_data)
    merged = dict(data)
    for key, value in string_data.items():
        text, secret = _unwrap(value)
        string_secret = string_secret or secret
        merged[key] = base64.b64encode(str(text).encode()).decode()
    return _rewrap(merged, data_secret or string_secret)


def _stack_reference(f: _Fab) -> tuple[str, dict]:
    return str(f.inputs.get("name") or f.name), {"outputs": {}, "secretOutputNames": []}


_FABRICATORS = {
    "pulumi:pulumi:StackReference": _stack_reference,
    "aws:secretsmanager/secret:Secret": _aws_secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _aws_secret_version,
    "aws:ssm/parameter:Parameter": _aws_parameter,
    "aws:iam/role:Role": _aws_iam("role", False, "AROA"),
    "aws:iam/policy:Policy": _aws_iam("policy", True, "ANPA"),
    "aws:iam/user:User": _aws_iam("user", False, "AIDA"),
    "aws:kms/key:Key": _aws_kms_key,
    "aws:kms/alias:Alias": _aws_kms_alias,
    "aws:iam/accessKey:AccessKey": _aws_access_key,
    "aws:s3/bucket:Bucket": _aws_bucket,
    "aws:s3/bucketV2:BucketV2": _aws_bucket,
    "random:index/randomBytes:RandomBytes": _random_bytes,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomString:RandomString": _random_string,
    "random:index/randomId:RandomId": _random_id,
    "random:index/randomUuid:RandomUuid": _random_uuid,
    "random:index/randomInteger:RandomInteger": _random_integer,
    "random:index/randomPet:RandomPet": _random_pet,
    "random:index/randomShuffle:RandomShuffle": _random_shuffle,
    "tls:index/privateKey:PrivateKey": _tls_private_key,
}


def _fabricator(type_: str):
    found = _FABRICATORS.get(type_)
    if found:
        return found
    if type_.startswith("aws:") and "/" in type_:
        return _aws_generic
    if type_.startswith("kubernetes:") and not type_.startswith("kubernetes:yaml"):
        return _kubernetes
    return None


class FabricatingMocks(_pulumi.Mocks):
    """Deterministic, realistic outputs for aws, random and kubernetes resources."""

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = ACCOUNT_ID):
        self.region = region
        self.account_id = account_id
        self._provider_regions: dict[str, str] = {}

    def _region_for(self, provider_ref: Optional[str]) -> str:
        if provider_ref:
            return self._provider_regions.get(provider_ref.rsplit("::", 1)[-1]) or self.region
        return self.region

    def new_resource(self, args: _pulumi.MockResourceArgs) -> tuple[Optional[str], dict]:
        inputs = _intify(args.inputs)
        if args.custom is False:
            return "", inputs
        urn = getattr(args, "urn", None) or f"{args.typ}::{args.name}"
        if args.typ.startswith("pulumi:providers:"):
            provider_id = f"{args.name}-{_hex(urn, 8)}"
            region, _ = _unwrap(inputs.get("region"))
            if region:
                self._provider_regions[provider_id] = region
            return provider_id, inputs
        fabricate = _fabricator(args.typ)
        if fabricate is None:
            return args.resource_id or f"{args.name}-{_hex(urn, 8)}", inputs
        facts = _Fab(args.typ, args.name, urn, inputs, self._region_for(args.provider), self.account_id)
        resource_id, computed = fabricate(facts)
        return args.resource_id or resource_id, {**inputs, **computed}

    def call(self, args) -> dict:  # type: ignore[override]  # a plain dict: pulumi 3.165's contract, still accepted
        region = (args.args or {}).get("region") or self._region_for(args.provider)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account_id, "arn": f"arn:aws:iam::{self.account_id}:user/preview",
                    "userId": "AIDA" + _pick("caller", _BASE32, 17), "id": self.account_id}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws",
                    "id": "aws"}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region,
                    "endpoint": f"ec2.{region}.amazonaws.com", "description": region}
        return {}


