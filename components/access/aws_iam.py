"""Least-privilege IAM for OpenMetadata's AWS secret stores (Secrets Manager / SSM).

Pure policy builders first, then the :class:`AwsAccess` component that declares them.
Scope is the id prefix OM gives every secret (``/<prefix>/<cluster>/``), so a policy
never grows with the number of secrets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple, Optional

import pulumi
import pulumi_aws as aws

from omsecrets.components import core
from omsecrets.components.conventions import ConventionError, id_prefix, name_problems
from omsecrets.components.settings import default, key_copy_ids

AWS_PROVIDERS = core.AWS_PROVIDERS
MANAGED_PROVIDERS = frozenset(p for p in AWS_PROVIDERS if p in core.MANAGED_PROVIDERS)
IDENTITY_MODES = core.IDENTITY_MODES

#: The calls OM makes, by the access (``core.ACCESS_KINDS``) they need.
#: openmetadata-service/.../secrets/AWSSecretsManager.java: Get/Create(tags)/Update/DeleteSecret; no PutSecretValue/Describe.
#: openmetadata-service/.../secrets/AWSSSMSecretsManager.java: GetParameter, PutParameter (tags), DeleteParameter.
#: ingestion/src/metadata/utils/secrets/aws_secrets_manager.py, aws_ssm_secrets_manager.py: reads only.
OM_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "secretsmanager": {
        core.READ: ("secretsmanager:GetSecretValue",),
        core.WRITE: ("secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:UpdateSecret"),
        core.DELETE: ("secretsmanager:DeleteSecret",),
    },
    "ssm": {
        core.READ: ("ssm:GetParameter",),
        core.WRITE: ("ssm:AddTagsToResource", "ssm:PutParameter"),
        core.DELETE: ("ssm:DeleteParameter",),
    },
    # the customer-managed key, used through the store service
    "kms": {core.READ: ("kms:Decrypt",), core.WRITE: ("kms:Encrypt", "kms:GenerateDataKey"), core.DELETE: ()},
}


def actions_for(service: str, access: Iterable[str]) -> tuple[str, ...]:
    """The actions OM calls on ``service`` for ``access`` (read, write, delete), sorted."""
    return tuple(sorted(a for kind in set(access) for a in OM_ACTIONS[service][kind]))


_ALL = core.ACCESS_KINDS
SERVER_ACTIONS: dict[str, tuple[str, ...]] = {s: actions_for(s, _ALL) for s in ("secretsmanager", "ssm")}
READ_ACTIONS: dict[str, tuple[str, ...]] = {s: actions_for(s, [core.READ]) for s in ("secretsmanager", "ssm")}
KMS_READ_ACTIONS = actions_for("kms", [core.READ])
KMS_WRITE_ACTIONS = actions_for("kms", _ALL)

_SID_PREFIX = {"secretsmanager": "SecretsManager", "ssm": "SsmParameters"}


def service_for(provider: str) -> str:
    """AWS service (``secretsmanager`` or ``ssm``) behind an AWS OM provider."""
    if provider not in AWS_PROVIDERS:
        raise ValueError(f"not an AWS secrets provider: {provider!r} (expected one of {AWS_PROVIDERS})")
    return "ssm" if core.provider(provider).family == "aws-ssm" else "secretsmanager"


def secret_id_prefix(provider: str, prefix: str, cluster_name: str) -> str:
    """``/<prefix>/<cluster>/`` as OM's field ids spell it (cleaned, lower-cased); ConventionError if unusable."""
    service_for(provider)
    problems = name_problems(provider, prefix=prefix, cluster_name=cluster_name)
    if problems:
        raise ConventionError("; ".join(problems))
    return id_prefix(provider, prefix, cluster_name)


def secret_scope_arn(
    provider: str, *, partition: str, region: str, account: str, prefix: str, cluster_name: str
) -> str:
    """ARN pattern covering every secret OM names under ``/<prefix>/<cluster>/``."""
    path = secret_id_prefix(provider, prefix, cluster_name)
    if service_for(provider) == "ssm":
        return f"arn:{partition}:ssm:{region}:{account}:parameter{path}*"
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{path}*"


def key_copy_arns(provider: str, *, partition: str, region: str, account: str, ids: Iterable[str]) -> list[str]:
    """ARNs of the Fernet key copies (Secrets Manager adds a 6-character suffix to every secret ARN)."""
    if service_for(provider) == "ssm":
        return [f"arn:{partition}:ssm:{region}:{account}:parameter{i}" for i in sorted(ids)]
    return [f"arn:{partition}:secretsmanager:{region}:{account}:secret:{i}-??????" for i in sorted(ids)]


def _check_covered(provider: str, secret_ids: Iterable[str], prefix: str, cluster_name: str) -> None:
    path = secret_id_prefix(provider, prefix, cluster_name)
    outside = [s for s in secret_ids if not s.startswith(path) or "*" in s or "?" in s]
    if outside:
        raise ValueError(f"secret ids outside the scope {path}*: {outside[:5]}")


def _document(
    provider: str,
    access: frozenset[str],
    *,
    partition: str,
    region: str,
    account: str,
    prefix: str,
    cluster_name: str,
    kms_key_arn: Optional[str],
    secret_ids: Iterable[str],
    key_copies: Optional[Iterable[str]],
) -> dict[str, Any]:
    service = service_for(provider)
    if not access:
        raise ValueError(f"provider {provider!r} needs no access for this identity (OM's server keeps values in its "
                         "database on non-managed providers and never calls the store): declare no policy")
    _check_covered(provider, secret_ids, prefix, cluster_name)
    copies = tuple(key_copy_ids(provider, prefix, cluster_name) if key_copies is None else key_copies)
    _check_covered(provider, copies, prefix, cluster_name)
    actions, kms_actions = actions_for(service, access), actions_for("kms", access)
    scope = secret_scope_arn(
        provider, partition=partition, region=region, account=account, prefix=prefix, cluster_name=cluster_name
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": f"{_SID_PREFIX[service]}{'ReadWrite' if len(actions) > 1 else 'Read'}",
            "Effect": "Allow",
            "Action": list(actions),
            "Resource": scope,
        }
    ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": f"KmsVia{_SID_PREFIX[service]}",
                "Effect": "Allow",
                "Action": sorted(kms_actions),
                "Resource": kms_key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}},
            }
        )
    denied = key_copy_arns(provider, partition=partition, region=region, account=account, ids=copies)
    if denied:
        # No app reads, changes or deletes the Fernet key copies: the apps get their ring from the
        # delivery Secret. An explicit Deny wins over any other Allow the role may be given.
        statements.append({"Sid": "DenyFernetKeyCopies", "Effect": "Deny", "Action": f"{service}:*", "Resource": denied})
    document = {"Version": "2012-10-17", "Statement": statements}
    _prove(document, scope, access, denied)
    return document


def _prove(document: dict[str, Any], scope: str, access: frozenset[str], key_copies: Iterable[str] = ()) -> None:
    """The access model must find exactly ``access`` inside the scope, nothing outside it and nothing
    on a key copy (a Secrets Manager ARN's ``??????`` suffix probed as ``AbCdEf``)."""
    inside, outside = scope.removesuffix("*") + "x", scope.removesuffix("*").rstrip("/") + "-other/x"
    copies = [c.replace("??????", "AbCdEf") for c in key_copies]
    found = core.iam_access(document, [inside, outside, *copies])
    expected = {inside: access, outside: core.NO_ACCESS, **dict.fromkeys(copies, core.NO_ACCESS)}
    if found != expected:
        raise AssertionError(f"policy grants {dict(found)}, expected {set(access)} inside {scope} only, none on key copies")


def server_policy_document(
    provider: str,
    *,
    partition: str,
    region: str,
    account: str,
    prefix: str,
    cluster_name: str,
    kms_key_arn: Optional[str] = None,
    secret_ids: Iterable[str] = (),
    key_copies: Optional[Iterable[str]] = None,
) -> dict[str, Any]:
    """IAM policy for the OM server on a managed provider (read, write, delete: OM writes every password
    field itself); on ``aws``/``aws-ssm`` the server never calls the store (``DBSecretsManager``), so
    there is no policy to build: ValueError.

    ``kms_key_arn`` grants the customer-managed key only through the store service. OM's
    server creates secrets without a KMS key option (default ``aws/secretsmanager`` /
    ``aws/ssm`` key), so the CMK only protects what om-secrets seeds. ``secret_ids`` are
    checked to fall inside the scope; they never appear in the document. ``key_copies``: ids of the
    Fernet key copies (default: the ones om-secrets seeds), denied to every app.
    """
    return _document(
        provider,
        core.required_access(core.SERVER, provider),
        partition=partition, region=region, account=account, prefix=prefix,
        cluster_name=cluster_name, kms_key_arn=kms_key_arn, secret_ids=secret_ids, key_copies=key_copies,
    )


def ingestion_policy_document(
    provider: str,
    *,
    partition: str,
    region: str,
    account: str,
    prefix: str,
    cluster_name: str,
    kms_key_arn: Optional[str] = None,
    secret_ids: Iterable[str] = (),
    key_copies: Optional[Iterable[str]] = None,
) -> dict[str, Any]:
    """Read-only IAM policy for ingestion (Airflow); same scope, KMS rules and key-copy Deny as the server."""
    return _document(
        provider,
        core.required_access(core.INGESTION, provider),
        partition=partition, region=region, account=account, prefix=prefix,
        cluster_name=cluster_name, kms_key_arn=kms_key_arn, secret_ids=secret_ids, key_copies=key_copies,
    )


def irsa_trust_policy(
    oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """Trust policy letting one Kubernetes service account assume the role via IRSA."""
    issuer = oidc_issuer.removeprefix("https://").rstrip("/")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "IrsaAssumeRole",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def pod_identity_trust_policy() -> dict[str, Any]:
    """Trust policy for EKS Pod Identity (the association pins namespace and service account)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EksPodIdentityAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }


#: Tag naming which identity a policy, role or user serves (read by the iam-ingestion-read-only rule).
IDENTITY_TAG = core.IDENTITY_TAG


def to_json(doc: dict[str, Any]) -> str:
    """Canonical JSON rendering used for every policy input."""
    return json.dumps(doc, sort_keys=True)


@dataclass(frozen=True)
class AwsAccessArgs:
    """Inputs of :class:`AwsAccess`."""

    provider: str
    """OM secrets provider: ``aws``, ``aws-ssm``, ``managed-aws`` or ``managed-aws-ssm``."""
    cluster_name: str = default("clusterName")
    """OM ``clusterName`` (second segment of every secret id)."""
    prefix: str = default("prefix")
    """OM ``secretsManagerConfiguration.prefix`` (empty: none)."""
    identity_mode: str = core.IRSA
    """``irsa``, ``pod-identity`` or ``access-key`` (static keys: last resort)."""
    oidc_provider_arn: Optional[pulumi.Input[str]] = None
    """EKS OIDC provider ARN (irsa)."""
    oidc_issuer: Optional[pulumi.Input[str]] = None
    """EKS OIDC issuer URL, with or without ``https://`` (irsa)."""
    eks_cluster_name: Optional[pulumi.Input[str]] = None
    """EKS cluster; when set in pod-identity mode, the associations are declared too."""
    server_namespace: str = default("server.namespace")
    """Namespace of the OM server pods."""
    server_service_account: str = default("server.serviceAccount")
    """Service account of the OM server pods."""
    ingestion_namespace: str = default("server.namespace")
    """Namespace of the ingestion (Airflow) pods."""
    ingestion_service_account: str = default("ingestion.serviceAccount")
    """Service account of the ingestion (Airflow) pods."""
    kms_key_arn: Optional[pulumi.Input[str]] = None
    """Customer-managed KMS key of the seeded secrets (None: AWS-managed key)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags for every taggable resource."""

    def __post_init__(self) -> None:
        secret_id_prefix(self.provider, self.prefix, self.cluster_name)
        if self.identity_mode not in IDENTITY_MODES:
            raise ValueError(f"identity_mode {self.identity_mode!r} not in {IDENTITY_MODES}")
        if self.identity_mode == core.IRSA and (self.oidc_provider_arn is None or self.oidc_issuer is None):
            raise ValueError("identity_mode 'irsa' needs oidc_provider_arn and oidc_issuer")


class _Identity(NamedTuple):
    policy: Optional[aws.iam.Policy]
    policy_json: pulumi.Output[str]
    role_arn: Optional[pulumi.Output[str]]
    access_key_id: Optional[pulumi.Output[str]]
    secret_access_key: Optional[pulumi.Output[str]]


class AwsAccess(pulumi.ComponentResource):
    """IAM policies and identities (role or user) for ingestion, and for the OM server on managed providers
    (on ``aws``/``aws-ssm`` the server never calls the store: it gets no policy, role, user or key)."""

    TYPE = core.AWS_ACCESS_TYPE

    def __init__(self, name: str, args: AwsAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(self.TYPE, name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._args = args
        self._env = pulumi.Output.all(
            aws.get_partition_output(opts=invoke).partition,
            aws.get_region_output(opts=invoke).region,
            aws.get_caller_identity_output(opts=invoke).account_id,
            args.kms_key_arn,
        )
        server = self._identity(
            f"{name}-server", server_policy_document, args.server_namespace, args.server_service_account
        ) if core.required_access(core.SERVER, args.provider) else _Identity(None, None, None, None, None)
        ingestion = self._identity(
            f"{name}-ingestion", ingestion_policy_document, args.ingestion_namespace, args.ingestion_service_account
        )
        self.server_policy_arn = server.policy.arn if server.policy is not None else None
        self.ingestion_policy_arn = ingestion.policy.arn
        self.server_policy_json = server.policy_json
        self.ingestion_policy_json = ingestion.policy_json
        self.server_role_arn = server.role_arn
        self.ingestion_role_arn = ingestion.role_arn
        self.server_access_key_id = server.access_key_id
        self.server_secret_access_key = server.secret_access_key
        self.ingestion_access_key_id = ingestion.access_key_id
        self.ingestion_secret_access_key = ingestion.secret_access_key
        outputs = {
            "server_policy_arn": self.server_policy_arn,
            "ingestion_policy_arn": self.ingestion_policy_arn,
            "server_role_arn": self.server_role_arn,
            "ingestion_role_arn": self.ingestion_role_arn,
            "server_access_key_id": self.server_access_key_id,
            "server_secret_access_key": self.server_secret_access_key,
            "ingestion_access_key_id": self.ingestion_access_key_id,
            "ingestion_secret_access_key": self.ingestion_secret_access_key,
        }
        self.register_outputs(core.wire_outputs(outputs))

    def _identity(self, child: str, builder, namespace: str, service_account: str) -> _Identity:
        args, child_opts = self._args, pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, IDENTITY_TAG: core.SERVER if builder is server_policy_document else core.INGESTION}
        policy_json = self._env.apply(
            lambda env: to_json(
                builder(
                    args.provider, partition=env[0], region=env[1], account=env[2],
                    prefix=args.prefix, cluster_name=args.cluster_name, kms_key_arn=env[3],
                )
            )
        )
        policy = aws.iam.Policy(
            child,
            description=f"OpenMetadata secrets access ({args.provider}) for {namespace}/{service_account}",
            policy=policy_json,
            tags=tags,
            opts=child_opts,
        )
        if args.identity_mode == core.ACCESS_KEY:
            user = aws.iam.User(child, tags=tags, opts=child_opts)
            aws.iam.UserPolicyAttachment(child, user=user.name, policy_arn=policy.arn, opts=child_opts)
            key = aws.iam.AccessKey(
                child,
                user=user.name,
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["secret"]),
            )
            return _Identity(policy, policy_json, None, key.id, pulumi.Output.secret(key.secret))

        if args.identity_mode == core.IRSA:
            trust = pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: to_json(irsa_trust_policy(v[0], v[1], namespace, service_account))
            )
        else:
            trust = pulumi.Output.from_input(to_json(pod_identity_trust_policy()))
        role = aws.iam.Role(child, assume_role_policy=trust, tags=tags, opts=child_opts)
        aws.iam.RolePolicyAttachment(child, role=role.name, policy_arn=policy.arn, opts=child_opts)
        if args.identity_mode == core.POD_IDENTITY and args.eks_cluster_name is not None:
            aws.eks.PodIdentityAssociation(
                child,
                cluster_name=args.eks_cluster_name,
                namespace=namespace,
                service_account=service_account,
                role_arn=role.arn,
                tags=tags,
                opts=child_opts,
            )
        return _Identity(policy, policy_json, role.arn, None, None)
