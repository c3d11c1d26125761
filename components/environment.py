"""``OpenMetadataSecrets``: one environment's store, keys, access and app config from one Settings."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from . import airflow, conventions, core, om_operations
from .access.aws_iam import AwsAccess, AwsAccessArgs
from .access.k8s_rbac import KubernetesAccess, KubernetesAccessArgs
from .airflow_secrets import AirflowSecrets, AirflowSecretsArgs
from .app_config import restart
from .app_config.airflow import fernet_ref as airflow_fernet_ref
from .app_config.delivery import AirflowValues, AppConfigDelivery, AppConfigDeliveryArgs, JwtKeyFiles
from .app_config.files import render_files
from .app_config.refs import SecretRef, delivery_names
from .app_config.server import server_pod_env, server_volumes
from .bootstrap import BootstrapSecrets, BootstrapSecretsArgs
from .core import APP_CONFIG_FILES_OUTPUT, STANDARD_LABELS
from .fernet_ring import FernetKeyRing, FernetKeyRingArgs, rotation_job_manifest
from .jobs import airflow_user_job_manifest, airflow_user_job_name
from .jwt_keypair import JwtKeyPair, JwtKeyPairArgs
from .kms import SecretsKmsKey, SecretsKmsKeyArgs
from .om_operations import Step, jwt_steps, jwt_tag, log_command, migration_tag, om_job_manifest
from .settings import JWT_KEY_COPY, JWT_KEY_COPY_PARTS, KEY_COPIES, Settings, fernet_parts, key_copy_name
from .stores import KubernetesSecretStore, SecretStore, store_for

#: The name ``__main__.py`` gives the environment: it derives every child's name, so it never
#: changes (not with the environment, the stack name or anything else a user may rename).
STABLE_NAME = "om-secrets"


def former_name_aliases(name: str, former_names) -> pulumi.ResourceTransformation:
    """A transformation giving ``name`` and each child ``<name>-<rest>`` the aliases ``<former>-<rest>``.

    Children's names start with their parent's, so the one prefix swap covers every level: a
    resource declared under ``former`` before keeps its URN (Pulumi moves it, replaces nothing).
    """
    former = [f for f in dict.fromkeys(former_names) if f and f != name]

    def transform(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.name == name:
            olds = former
        elif args.name.startswith(f"{name}-"):
            olds = [f + args.name[len(name):] for f in former]
        else:
            return None
        aliases = [*(args.opts.aliases or []), *(pulumi.Alias(name=o) for o in olds)]
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(aliases=aliases))
        )

    return transform


def former_names(settings: Settings) -> tuple[str, ...]:
    """The names om-secrets gave the environment before names were stable: the environment (or stack)."""
    return tuple(dict.fromkeys((settings.environment, settings.stack)))


class OpenMetadataSecrets(pulumi.ComponentResource):
    """Everything OM and its Airflow ingestion need to keep credentials safe, for one environment.

    Build ``settings`` with ``components.settings.from_dict({...})`` (or ``load()`` in a stack).
    ``former_names``: names this component had before (aliases keep every resource's URN).
    Attributes: ``store`` (None for ``db``), ``rings`` (per app), ``jwt`` (OM's JWT signing pair, None
    with ``jwt.enabled: false``), ``bootstrap``, ``kms``, ``aws_access``, ``k8s_access``, ``delivery``,
    ``references`` ({name: "secret:<id>"} of what the apps may use) and ``key_copy_references`` (the
    recovery copies of key material, which no app may read).
    """

    TYPE = core.ENVIRONMENT_TYPE

    def __init__(
        self,
        name: str,
        settings: Settings,
        opts: pulumi.ResourceOptions | None = None,
        *,
        former_names: tuple[str, ...] = (),
    ):
        if former_names:
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(transformations=[former_name_aliases(name, former_names)])
            )
        super().__init__(
            self.TYPE,
            name,
            {
                "environment": settings.environment,
                "provider": settings.provider,
                "clusterName": settings.cluster_name,
                "prefix": settings.prefix,
                "production": settings.production,
                "protect": settings.protect,
                "acknowledge": [{"drop": k, "reason": v} for k, v in settings.acknowledge.items()],
                "airflowVersion": settings.airflow.version,
                # Kubernetes-native ingestion: the pipelines namespace (policies read it; Airflow stacks keep their inputs)
                **({"ingestion": {"runtime": settings.ingestion.runtime, "namespace": settings.ingestion.namespace}}
                   if settings.ingestion.kubernetes_native else {}),
                # what each app's pods carry (Helm pod annotations): the lifecycle guard reads a deployed one
                "restartDigests": {app: restart.digest(settings, app) for app in settings.apps},
                # OM's operations: what the guard checks the declared Jobs against
                "migration": {"run": settings.migration.run, "migratedTo": settings.migration.migrated_to},
                "operations": {"omVersion": om_operations.shown(settings.operations.om_version)
                               if settings.operations.om_version else None,
                               "botTokensRun": settings.jwt.bot_tokens_run, "skipAwait": settings.operations.skip_await},
            },
            opts,
        )
        self.settings = settings
        child = pulumi.ResourceOptions(parent=self)
        labels = {**STANDARD_LABELS, "om-secrets/environment": settings.environment}

        self.namespaces = self._namespaces(name, settings, labels) if settings.kubernetes.create_namespaces else []
        k8s_child = pulumi.ResourceOptions(parent=self, depends_on=self.namespaces)

        self.kms: SecretsKmsKey | None = None
        kms_key_arn: pulumi.Input[str] | None = settings.aws.kms.key_arn
        replica_keys: dict[str, pulumi.Input[str]] = dict(settings.aws.kms.replica_key_arns)
        if settings.is_aws and settings.aws.kms.create:
            self.kms = SecretsKmsKey(
                f"{name}-kms",
                SecretsKmsKeyArgs(
                    cluster_name=settings.cluster_name,
                    prefix=settings.prefix,
                    deletion_window_in_days=settings.aws.kms.deletion_window_in_days,
                    tags=settings.resource_tags,
                    protect=settings.protect,
                    replica_regions=tuple(r for r in settings.aws.replica_regions if r not in replica_keys),
                ),
                child,
            )
            kms_key_arn = self.kms.key_arn
            replica_keys.update(self.kms.replica_key_arns)

        self.rings = {
            app: FernetKeyRing(
                f"{name}-{app}-fernet",
                FernetKeyRingArgs(
                    application=app,
                    generations=settings.fernet.ring(app).generations,
                    reencrypted_to=settings.fernet.ring(app).reencrypted_to,
                    protect=settings.protect,
                    imported=settings.fernet.ring(app).imported_values,
                    imported_from=settings.fernet.ring(app).imported,
                ),
                child,
            )
            for app in settings.apps
        }
        jwt_settings = settings.jwt
        self.jwt: JwtKeyPair | None = None
        if jwt_settings.enabled:
            self.jwt = JwtKeyPair(
                f"{name}-jwt",
                JwtKeyPairArgs(
                    key_size=jwt_settings.key_size,
                    generation=jwt_settings.generation,
                    protect=settings.protect,
                    key_id=jwt_settings.key_id,
                    imported=jwt_settings.imported_value if jwt_settings.imported else None,
                    imported_from=jwt_settings.imported,
                ),
                child,
            )
        # Kubernetes-native ingestion runs no Airflow: none of its secrets exist (a switch drops them: the guard says so)
        self.airflow: AirflowSecrets | None = None if settings.ingestion.kubernetes_native else AirflowSecrets(
            f"{name}-airflow", AirflowSecretsArgs(version=settings.airflow.version, protect=settings.protect), child)
        self.bootstrap = (
            BootstrapSecrets(f"{name}-bootstrap", BootstrapSecretsArgs(settings.secrets, protect=settings.protect), child)
            if settings.secrets
            else None
        )
        self.store: SecretStore | None = store_for(
            f"{name}-store", settings, kms_key_id=kms_key_arn, replica_kms_key_ids=replica_keys, opts=k8s_child)
        if self.store is not None:
            for app, ring in self.rings.items():
                self.store.seed(fernet_parts(app), ring.value, name=key_copy_name(app), key_material=True)
            if self.jwt is not None:
                self.store.seed(JWT_KEY_COPY_PARTS, self.jwt.recovery_copy, name=JWT_KEY_COPY, key_material=True)
            for secret in settings.secrets:
                self.store.seed(secret.parts, self.bootstrap.values[secret.name], name=secret.name, server_owned=settings.managed)
            self.store.finish()
        seeded = self.store.references() if self.store else {}
        self.references = {n: r for n, r in seeded.items() if n not in KEY_COPIES}
        self.key_copy_references = {n: r for n, r in seeded.items() if n in KEY_COPIES}

        self.aws_access: AwsAccess | None = None
        if settings.is_aws:
            identity = settings.aws.identity
            self.aws_access = AwsAccess(
                f"{name}-aws-access",
                AwsAccessArgs(
                    provider=settings.provider,
                    cluster_name=settings.cluster_name,
                    prefix=settings.prefix,
                    identity_mode=identity.mode,
                    oidc_provider_arn=identity.oidc_provider_arn,
                    oidc_issuer=identity.oidc_issuer,
                    eks_cluster_name=identity.eks_cluster_name,
                    server_namespace=settings.server.namespace,
                    server_service_account=settings.server.service_account,
                    ingestion_namespace=settings.ingestion.namespace,
                    ingestion_service_account=settings.ingestion.service_account,
                    kms_key_arn=kms_key_arn,
                    tags=settings.resource_tags,
                ),
                child,
            )
        self.azure_access = self._azure_access(name, settings, child) if settings.is_azure else None
        self.gcp_access = self._gcp_access(name, settings, child) if settings.is_gcp else None
        cloud_access = self.azure_access or self.gcp_access
        annotations = cloud_access.sa_annotations if cloud_access is not None else {}
        irsa = self.aws_access is not None and settings.aws.identity.mode == core.IRSA
        self.k8s_access = KubernetesAccess(
            f"{name}-k8s-access",
            KubernetesAccessArgs(
                secrets_namespace=settings.kubernetes.namespace,
                server_namespace=settings.server.namespace,
                server_service_account=settings.server.service_account,
                ingestion_namespace=settings.ingestion.namespace,
                ingestion_service_account=settings.ingestion.service_account,
                grant_secrets_rbac=settings.provider == "kubernetes",
                server_role_arn=self.aws_access.server_role_arn if irsa else None,
                ingestion_role_arn=self.aws_access.ingestion_role_arn if irsa else None,
                server_annotations=annotations.get(core.SERVER_APP),
                ingestion_annotations=annotations.get(core.AIRFLOW_APP),
                labels=labels,
                pipelines_namespace=settings.ingestion.namespace if settings.ingestion.kubernetes_native else None,
                om_job_operator=settings.ingestion.om_job_operator,
            ),
            k8s_child,
        )

        access_keys = None
        if self.aws_access is not None and settings.aws.identity.mode == core.ACCESS_KEY:
            access_keys = {"airflow": (self.aws_access.ingestion_access_key_id, self.aws_access.ingestion_secret_access_key)}
            if self.aws_access.server_access_key_id is not None:  # the server reads only managed stores
                access_keys["openmetadata"] = (self.aws_access.server_access_key_id,
                                               self.aws_access.server_secret_access_key)
        self.delivery = AppConfigDelivery(
            f"{name}-app-config",
            AppConfigDeliveryArgs(
                settings=settings,
                fernet_rings={app: ring.value for app, ring in self.rings.items()},
                access_keys=access_keys,
                labels=labels,
                jwt_keys=JwtKeyFiles(self.jwt.private_key_der, self.jwt.public_key_der, self.jwt.key_id)
                if self.jwt is not None else None,
                airflow=AirflowValues(self.airflow.values, self.airflow.server_password) if self.airflow else None,
            ),
            k8s_child,
        )
        self.rotation_job = self._rotation_job(name, settings)
        self.airflow_user_job = self._airflow_user_job(name, settings)
        #: OM's own operations asked for (``migration.run``, ``jwt.botTokens.run``), in the order they run.
        self.om_operation_jobs = self._om_operation_jobs(name, settings)
        #: The app config files (path -> text; secret values only referenced) rendered from these settings
        #: as deployed (with the JWT pair's key id).
        self.app_config_files = self.delivery.deployed.apply(render_files)
        self.register_outputs(
            {**self.stack_outputs(), "production": settings.production, APP_CONFIG_FILES_OUTPUT: self.app_config_files}
        )

    def _azure_access(self, name: str, settings: Settings, opts: pulumi.ResourceOptions):
        from .access.azure_rbac import AzureAccess, AzureAccessArgs

        az = settings.azure
        return AzureAccess(
            f"{name}-azure-access",
            AzureAccessArgs(
                vault_id=self.store.vault_id,
                subscription_id=az.subscription_id,
                resource_group_name=az.resource_group_name,
                location=az.location,
                environment=settings.environment,
                server=(settings.server.namespace, settings.server.service_account),
                ingestion=(settings.ingestion.namespace, settings.ingestion.service_account),
                identity_mode=az.identity.mode,
                oidc_issuer=az.identity.oidc_issuer,
                server_principal_id=az.identity.server_principal_id,
                ingestion_principal_id=az.identity.ingestion_principal_id,
                tags=settings.resource_tags,
                provider=settings.provider,
            ),
            opts,
        )

    def _gcp_access(self, name: str, settings: Settings, opts: pulumi.ResourceOptions):
        from .access.gcp_iam import GcpAccess, GcpAccessArgs

        g = settings.gcp
        key_copies = tuple(self.store.seeded[n].secret_id for n in KEY_COPIES if n in self.store.seeded)
        return GcpAccess(
            f"{name}-gcp-access",
            GcpAccessArgs(
                project_id=g.project,
                project_number=g.project_number,
                environment=settings.environment,
                id_prefix=conventions.id_prefix(settings.provider, settings.prefix, settings.cluster_name),
                server=(settings.server.namespace, settings.server.service_account),
                ingestion=(settings.ingestion.namespace, settings.ingestion.service_account),
                key_copy_ids=key_copies,
                identity_mode=g.identity_mode,
                cluster_project_id=g.cluster_project,
                cluster_project_number=g.cluster_project_number,
                protect=settings.protect,
            ),
            opts,
        )

    def _namespaces(self, name: str, settings: Settings, labels: dict) -> list[k8s.core.v1.Namespace]:
        wanted = {settings.kubernetes.namespace, settings.server.namespace, settings.ingestion.namespace}
        if settings.provider == "kubernetes":
            wanted.add(settings.kubernetes.keys_namespace)
        return [
            k8s.core.v1.Namespace(
                f"{name}-ns-{ns}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels=labels),
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            for ns in sorted(wanted)
        ]

    def _rotation_job(self, name: str, settings: Settings) -> k8s.batch.v1.Job | None:
        """The ``airflow rotate-fernet-key`` Job of step 2, declared only when asked (``rotationJob.run``).

        Not in the ``up`` of step 1: pods still on the old ring would keep writing old-key values.
        """
        ring = settings.fernet.airflow
        if not settings.fernet.rotation_job_run:
            return None
        manifest = rotation_job_manifest(
            name=f"airflow-rotate-fernet-key-gen-{ring.primary}",
            namespace=settings.ingestion.namespace,
            image=settings.fernet.rotation_job_image,
            ring=airflow_fernet_ref(),
            database=SecretRef(settings.fernet.rotation_job_database_secret, settings.fernet.rotation_job_database_key),
            service_account=settings.ingestion.service_account,
        )
        return k8s.batch.v1.Job(
            f"{name}-airflow-fernet-rotation-gen-{ring.primary}",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.delivery]),
        )

    def om_operation_steps(self) -> list[Step]:
        """The OM operations this stack asks for, in order: ``migrate-secrets`` (``migration.run``), then after a
        JWT key change ``regenerate-bot-tokens`` where the OM version has it and ``deploy-pipelines``."""
        s = self.settings
        steps = [Step(om_operations.MIGRATE_SECRETS, migration_tag(s.provider))] if s.migration.run else []
        if s.jwt.bot_tokens_run:
            tag = jwt_tag(s.jwt.generation, imported=bool(s.jwt.imported))
            steps += [Step(command, tag) for command in jwt_steps(s.operations.om_version)]
        return steps

    def _om_operation_jobs(self, name: str, settings: Settings) -> list[k8s.batch.v1.Job]:
        """One Job per OM operation asked for, each after the one before (``pulumi up`` waits for each): OM's
        server image, the server's ServiceAccount, env and key files (the one source the Helm values use)."""
        steps = self.om_operation_steps()
        if not steps:
            return []
        ops = settings.operations
        volumes, mounts = server_volumes(settings)
        env = self.delivery.deployed.apply(server_pod_env)  # JWT_KEY_ID is the deployed pair's
        jobs: list[k8s.batch.v1.Job] = []
        after: list[pulumi.Resource] = [self.delivery, self.k8s_access]
        for step in steps:
            def build(e, step=step):
                return om_job_manifest(
                    step=step, namespace=settings.server.namespace, image=ops.image,
                    service_account=settings.server.service_account, env=e, env_from=ops.env_from,
                    secret_env=ops.secret_env, volumes=volumes, volume_mounts=mounts, skip_await=ops.skip_await)
            manifest = env.apply(build)
            pulumi.log.info(f"{step.name}: OM's `{step.command}` runs as a Job; its log: "
                            f"`{log_command(settings.server.namespace, step)}`", resource=self)
            job = k8s.batch.v1.Job(
                f"{name}-{step.name}",
                metadata=build([])["metadata"],  # the name is known before the pair's key id
                spec=manifest.apply(lambda m: m["spec"]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=after,
                                            custom_timeouts=pulumi.CustomTimeouts(create="30m", update="30m")),
            )
            jobs.append(job)
            after = [job]
        return jobs

    def _airflow_user_job(self, name: str, settings: Settings) -> k8s.batch.v1.Job | None:
        """The Job that creates OM's server's Airflow user with the generated password (or sets it): declared
        when ``airflow.image`` names the image; ``pulumi up`` waits for it."""
        a = settings.airflow
        if not a.image:
            return None
        manifest = airflow_user_job_manifest(
            name=airflow_user_job_name(a.server_user),
            namespace=settings.ingestion.namespace,
            image=a.image,
            username=a.server_user,
            role=a.server_user_role,
            password=SecretRef(delivery_names(core.AIRFLOW_APP).secret, airflow.AIRFLOW_SIDE_PASSWORD_KEY),
            database=SecretRef(settings.fernet.rotation_job_database_secret, settings.fernet.rotation_job_database_key),
            version=a.version,
        )
        return k8s.batch.v1.Job(
            f"{name}-airflow-user",
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.delivery]),
        )

    def stack_outputs(self) -> dict:
        """What the stack exports: names, references, ARNs and Helm values; never a secret value."""
        s = self.settings
        out = {
            "environment": s.environment,
            "provider": s.provider,
            "clusterName": s.cluster_name,
            "prefix": s.prefix,
            "secretReferences": self.references,
            "keyCopyReferences": self.key_copy_references,
            "fernet": {
                app: {"generations": list(ring.generations), "primaryGeneration": ring.primary_generation}
                for app, ring in self.rings.items()
            },
            "serviceAccounts": {
                "openmetadata": f"{s.server.namespace}/{s.server.service_account}",
                "ingestion": f"{s.ingestion.namespace}/{s.ingestion.service_account}",
            },
            "helmValues": {
                "openmetadata": self.delivery.openmetadata_helm_values,
                **({"airflow": self.delivery.airflow_helm_values} if self.airflow else {}),
            },
        }
        if self.airflow is not None:
            out["airflow"] = {"version": s.airflow.version, "serverUser": s.airflow.server_user,
                              "secretName": delivery_names(core.AIRFLOW_APP).secret}
        else:
            out["ingestion"] = {"runtime": s.ingestion.runtime, "namespace": s.ingestion.namespace,
                                "serviceAccount": s.ingestion.service_account, "image": s.ingestion.image,
                                "omJobOperator": s.ingestion.om_job_operator}
        if self.jwt is not None:
            jwt_out = {
                "generation": None if s.jwt.imported else s.jwt.generation,
                "keyId": self.jwt.key_id,
                "publicKeySha256": self.jwt.public_key_sha256,
                "issuer": s.jwt.issuer,
                "secretName": self.delivery.jwt_secret.metadata.name,
            }
            out["jwt"] = {k: v for k, v in jwt_out.items() if v is not None}
        if self.aws_access is not None:
            out["iam"] = core.wire_outputs({
                "server_policy_arn": self.aws_access.server_policy_arn,
                "ingestion_policy_arn": self.aws_access.ingestion_policy_arn,
                "server_role_arn": self.aws_access.server_role_arn,
                "ingestion_role_arn": self.aws_access.ingestion_role_arn,
            })
        if self.kms is not None:
            out["kmsKeyArn"] = self.kms.key_arn
        if self.azure_access is not None:
            out["azure"] = {
                "vaultName": self.store.vault_name,
                "vaultId": self.store.vault_id,
                "keysVaultName": self.store.keys_vault_name,
                "clientIds": self.azure_access.client_ids,
                "principalIds": self.azure_access.principal_ids,
            }
        if isinstance(self.store, KubernetesSecretStore):
            # where each kind of reference resolves: secretReferences in OM's namespace, keyCopyReferences only in
            # the keys namespace (in OM's namespace the Fernet copies' old Secrets hold a pointer, not a key)
            out["kubernetes"] = {"namespace": self.store.args.namespace,
                                 "keysNamespace": self.store.args.key_copies_namespace}
        if self.gcp_access is not None:
            out["gcp"] = {
                "project": s.gcp.project,
                "members": self.gcp_access.members,
                "serviceAccountEmails": self.gcp_access.service_account_emails,
            }
        return out
