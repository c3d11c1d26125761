"""Helm value keys declared by the charts om-secrets renders values for: facts, not copied files.

Each entry of CHARTS says, for one chart version, which dotted value paths its values.schema.json declares in the
subtrees om-secrets renders (openmetadata-dependencies has no schema: what its values.yaml sets under ``airflow``,
checked through the airflow chart it depends on), and which objects the schema closes with
``additionalProperties: false``.
Paths: ``a.b.c``; ``x[].k`` is key ``k`` of the objects in list ``x``; ``m.*`` means any key (and anything
below it) under ``m``, a free map such as ``podAnnotations``. Only the subtrees below were read; a path outside them
counts as undeclared, so extend the facts (from the source named) rather than the check.

``declared`` is stricter than Helm. Both charts leave the top level open (no root ``additionalProperties``), and
some objects list their properties without closing (e.g. airflow ``*.serviceAccount``): Helm accepts an unknown key
there and the chart ignores it. Here only declared keys pass; ``closed`` marks where Helm itself refuses one.
Types and values are not checked (e.g. airflow ``extraEnv`` is a templated string, ``env[]`` has only name/value).

Sources (files read from fetched git snapshots, at these commits):
- open-metadata/openmetadata-helm-charts, ``charts/openmetadata/values.schema.json`` (+ ``values.yaml``, templates):
  1.13.1 = 039a208f0b9f2c40f6ce68d87e1e39b1d0819a57 (main = tag openmetadata-1.13.1, the newest version stored),
  1.13.0 = dab31935da121961946d6f166b103236845d36ca (tag openmetadata-1.13.0). Subtrees: openmetadata.config.
  {jwtTokenConfiguration, authentication, fernetkey, secretsManager, clusterName, pipelineServiceClientConfig},
  extraEnvs, extraVolumes, extraVolumeMounts, podAnnotations, commonLabels, serviceAccount, omjobOperator (the
  same in both versions).
- the same repository, ``charts/deps/values.yaml`` and ``Chart.yaml`` (chart openmetadata-dependencies), same
  commits: dependency ``airflow`` version "1.18.0" (Chart.yaml l.65-68, condition airflow.enabled).
- apache/airflow ``chart/values.schema.json``, read from a fork snapshot (n-badtke-cg/airflow) whose main branch
  carries apache/airflow main up to 3e311d6d (2026-04-29); no tags in it. Releases up to 1.21.0 were cut from main
  (dev/README_RELEASE_HELM_CHART.md), so each version is the main commit that set it in Chart.yaml:
  1.18.0 = 48ae6af196270e51ee9e9af853cacf474633c60b ("release notes for 1.18.0rc2"; chart/ unchanged until
  "Helm chart 1.18.0 released" 3751f7a0), 1.19.0 = 5dc0143e7df3d7d0985aaffdfd96df9905432150 (rc3),
  1.20.0 = 64875d3eb95ef643295cd60381f88f68a05768c2, 1.21.0 = b90710803a45d015a221b6045295d0dc9ddb964f (release
  notes; these subtrees are the same at every main commit from them to the "released" commit). "main@3e311d6d" is
  the newest stored: Chart.yaml says 1.22.0, but main is the unreleased 2.x line (dev/README_HELM_CHART2_DEV.md).
  Subtrees: fernetKey(SecretName), apiSecretKey(SecretName), jwtSecret, jwtSecretName, webserverSecretKey(SecretName),
  airflowPodAnnotations, podAnnotations (declared by none), env, secret, extraEnv, labels, createUserJob,
  webserver.defaultUser, {scheduler, workers, workers.celery, workers.kubernetes, webserver, apiServer, dagProcessor,
  triggerer}.serviceAccount, airflowVersion, defaultAirflowTag, images.airflow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartFacts:
    source: tuple[str, str, str]  # (repository, path, commit) the keys were read from
    keys: frozenset[str]
    closed: frozenset[str]
    subcharts: tuple[tuple[str, tuple[str, str]], ...] = ()  # (values key, (chart, version)) it passes values to
    note: str = ""


def _tree(spec: dict[str, str]) -> frozenset[str]:
    """``{"a.b": "c d"}`` -> a.b, a.b.c, a.b.d; ``""`` is the top level; a ``x[]`` parent is not a key itself."""
    paths: set[str] = set()
    for parent, children in spec.items():
        if parent and not parent.endswith("[]"):
            paths.add(parent)
        paths.update(f"{parent}.{c}" if parent else c for c in children.split())
    return frozenset(paths)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# OpenMetadata chart 1.13.0 and 1.13.1: the same keys (values.schema.json identical in these subtrees).
# extraEnvs, extraVolumes, extraVolumeMounts are schema `{"type": "array"}` with no item schema: leaves here (the chart
# copies them verbatim with toYaml into container env / pod volumes / volumeMounts).
_OM_1_13 = _tree({
    "": "commonLabels extraEnvs extraVolumeMounts extraVolumes omjobOperator openmetadata podAnnotations serviceAccount",
    "commonLabels": "*",
    "openmetadata": "config",
    "openmetadata.config": (
        "authentication clusterName fernetkey jwtTokenConfiguration pipelineServiceClientConfig secretsManager"
    ),
    "openmetadata.config.authentication": (
        "authority callbackUrl clientId clientType enableSelfSignup enabled jwtPrincipalClaims jwtPrincipalClaimsMapping "
        "ldapConfiguration oidcConfiguration provider publicKeys responseType saml"
    ),
    "openmetadata.config.authentication.ldapConfiguration": (
        "allAttributeName authReassignRoles authRolesMapping dnAdminPassword dnAdminPrincipal groupAttributeName "
        "groupAttributeValue groupBaseDN groupMemberAttributeName host mailAttributeName maxPoolSize port roleAdminName "
        "sslEnabled trustStoreConfig truststoreConfigType userBaseDN usernameAttributeName"
    ),
    "openmetadata.config.authentication.ldapConfiguration.dnAdminPassword": "secretKey secretRef",
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig": (
        "customTrustManagerConfig hostNameConfig jvmDefaultConfig trustAllConfig"
    ),
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.customTrustManagerConfig": (
        "examineValidityDates trustStoreFileFormat trustStoreFilePassword trustStoreFilePath verifyHostname"
    ),
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.customTrustManagerConfig.trustStoreFilePassword": (
        "secretKey secretRef"
    ),
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.hostNameConfig": (
        "acceptableHostNames allowWildCards"
    ),
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.jvmDefaultConfig": "verifyHostname",
    "openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.trustAllConfig": "examineValidityDates",
    "openmetadata.config.authentication.oidcConfiguration": (
        "callbackUrl clientAuthenticationMethod clientId clientSecret customParams disablePkce discoveryUri enabled maxAge "
        "maxClockSkew oidcType preferredJwsAlgorithm promptType responseType scope serverUrl sessionExpiry tenant "
        "tokenValidity useNonce"
    ),
    "openmetadata.config.authentication.oidcConfiguration.clientId": "secretKey secretRef",
    "openmetadata.config.authentication.oidcConfiguration.clientSecret": "secretKey secretRef",
    "openmetadata.config.authentication.saml": "debugMode idp security sp",
    "openmetadata.config.authentication.saml.idp": "authorityUrl entityId idpX509Certificate nameId ssoLoginUrl",
    "openmetadata.config.authentication.saml.idp.idpX509Certificate": "secretKey secretRef",
    "openmetadata.config.authentication.saml.security": (
        "keyStoreAlias keyStoreFilePath keyStorePassword sendEncryptedNameId sendSignedAuthRequest signSpMetadata strictMode "
        "tokenValidity validateXml wantAssertionEncrypted wantAssertionsSigned wantMessagesSigned"
    ),
    "openmetadata.config.authentication.saml.security.keyStoreAlias": "secretKey secretRef",
    "openmetadata.config.authentication.saml.security.keyStorePassword": "secretKey secretRef",
    "openmetadata.config.authentication.saml.sp": "acs callback entityId spPrivateKey spX509Certificate",
    "openmetadata.config.authentication.saml.sp.spPrivateKey": "secretKey secretRef",
    "openmetadata.config.authentication.saml.sp.spX509Certificate": "secretKey secretRef",
    "openmetadata.config.fernetkey": "secretKey secretRef value",
    "openmetadata.config.jwtTokenConfiguration": "enabled jwtissuer keyId rsaprivateKeyFilePath rsapublicKeyFilePath",
    "openmetadata.config.pipelineServiceClientConfig": (
        "airflow apiEndpoint argoWorkflows auth className enabled healthCheckInterval hostIp ingestionIpInfoEnabled k8s "
        "metadataApiEndpoint sslCertificatePath type verifySsl"
    ),
    "openmetadata.config.pipelineServiceClientConfig.airflow": (
        "apiEndpoint auth className enabled healthCheckInterval hostIp ingestionIpInfoEnabled metadataApiEndpoint "
        "sslCertificatePath verifySsl"
    ),
    "openmetadata.config.pipelineServiceClientConfig.airflow.auth": (
        "enabled password trustStorePassword trustStorePath username"
    ),
    "openmetadata.config.pipelineServiceClientConfig.airflow.auth.password": "secretKey secretRef",
    "openmetadata.config.pipelineServiceClientConfig.airflow.auth.trustStorePassword": "secretKey secretRef",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows": (
        "apiEndpoint automationResources customConfig extraEnvs imagePullPolicy imagePullSecrets ingestionImage "
        "ingestionResources namespace pipelineConfigs serviceAccountName"
    ),
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources": "limits requests",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources.limits": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources.requests": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.customConfig": "containerParams enabled workflowParams",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.customConfig.containerParams": "*",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.customConfig.workflowParams": "*",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources": "limits requests",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources.limits": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources.requests": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.auth": "enabled password trustStorePassword trustStorePath username",
    "openmetadata.config.pipelineServiceClientConfig.auth.password": "secretKey secretRef",
    "openmetadata.config.pipelineServiceClientConfig.auth.trustStorePassword": "secretKey secretRef",
    "openmetadata.config.pipelineServiceClientConfig.k8s": (
        "activeDeadlineSeconds backoffLimit className enableFailureDiagnostics extraEnvVars failedJobsHistoryLimit "
        "imagePullPolicy imagePullSecrets ingestionImage metadataApiEndpoint namespace nodeSelector podAnnotations rbac "
        "resources securityContext serviceAccountName successfulJobsHistoryLimit tolerations ttlSecondsAfterFinished "
        "useOMJobOperator"
    ),
    "openmetadata.config.pipelineServiceClientConfig.k8s.rbac": "enabled",
    "openmetadata.config.pipelineServiceClientConfig.k8s.resources": "limits requests",
    "openmetadata.config.pipelineServiceClientConfig.k8s.resources.limits": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.k8s.resources.requests": "cpu memory",
    "openmetadata.config.pipelineServiceClientConfig.k8s.securityContext": "fsGroup runAsGroup runAsNonRoot runAsUser",
    "openmetadata.config.secretsManager": "additionalParameters enabled prefix provider tags",
    "openmetadata.config.secretsManager.additionalParameters": (
        "accessKeyId clientId clientSecret enabled projectId region secretAccessKey tenantId vaultName"
    ),
    "openmetadata.config.secretsManager.additionalParameters.accessKeyId": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.clientId": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.clientSecret": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.projectId": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.secretAccessKey": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.tenantId": "secretKey secretRef",
    "openmetadata.config.secretsManager.additionalParameters.vaultName": "secretKey secretRef",
    "podAnnotations": "*",
    "serviceAccount": "annotations create name",
    "serviceAccount.annotations": "*",
    # OMJob operator (Kubernetes-native ingestion); podSecurityContext / securityContext are free objects
    "omjobOperator": "enabled env healthCheck image podSecurityContext resources securityContext",
    "omjobOperator.env": (
        "healthCheckPort logLevel metricsPort pollingIntervalSeconds reconciliationThreads requeueDelaySeconds "
        "watchNamespaces"
    ),
    "omjobOperator.healthCheck": "enabled",
    "omjobOperator.image": "pullPolicy repository tag",
    "omjobOperator.resources": "limits requests",
    "omjobOperator.resources.limits": "cpu memory",
    "omjobOperator.resources.requests": "cpu memory",
})

_OM_1_13_CLOSED = _words("""
    openmetadata
    openmetadata.config
    openmetadata.config.authentication
    openmetadata.config.authentication.ldapConfiguration
    openmetadata.config.authentication.ldapConfiguration.dnAdminPassword
    openmetadata.config.authentication.ldapConfiguration.trustStoreConfig
    openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.customTrustManagerConfig
    openmetadata.config.authentication.ldapConfiguration.trustStoreConfig.customTrustManagerConfig.trustStoreFilePassword
    openmetadata.config.authentication.oidcConfiguration
    openmetadata.config.authentication.oidcConfiguration.clientId
    openmetadata.config.authentication.oidcConfiguration.clientSecret
    openmetadata.config.authentication.saml
    openmetadata.config.authentication.saml.idp
    openmetadata.config.authentication.saml.idp.idpX509Certificate
    openmetadata.config.authentication.saml.security
    openmetadata.config.authentication.saml.security.keyStoreAlias
    openmetadata.config.authentication.saml.security.keyStorePassword
    openmetadata.config.authentication.saml.sp
    openmetadata.config.fernetkey
    openmetadata.config.jwtTokenConfiguration
    openmetadata.config.pipelineServiceClientConfig
    openmetadata.config.pipelineServiceClientConfig.airflow
    openmetadata.config.pipelineServiceClientConfig.airflow.auth
    openmetadata.config.pipelineServiceClientConfig.airflow.auth.password
    openmetadata.config.pipelineServiceClientConfig.airflow.auth.trustStorePassword
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources.limits
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.automationResources.requests
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.customConfig
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources.limits
    openmetadata.config.pipelineServiceClientConfig.argoWorkflows.ingestionResources.requests
    openmetadata.config.pipelineServiceClientConfig.auth
    openmetadata.config.pipelineServiceClientConfig.auth.password
    openmetadata.config.pipelineServiceClientConfig.auth.trustStorePassword
    openmetadata.config.pipelineServiceClientConfig.k8s
    openmetadata.config.pipelineServiceClientConfig.k8s.rbac
    openmetadata.config.pipelineServiceClientConfig.k8s.resources
    openmetadata.config.pipelineServiceClientConfig.k8s.resources.limits
    openmetadata.config.pipelineServiceClientConfig.k8s.resources.requests
    openmetadata.config.pipelineServiceClientConfig.k8s.securityContext
    openmetadata.config.secretsManager
    openmetadata.config.secretsManager.additionalParameters
    openmetadata.config.secretsManager.additionalParameters.accessKeyId
    openmetadata.config.secretsManager.additionalParameters.clientId
    openmetadata.config.secretsManager.additionalParameters.clientSecret
    openmetadata.config.secretsManager.additionalParameters.projectId
    openmetadata.config.secretsManager.additionalParameters.secretAccessKey
    openmetadata.config.secretsManager.additionalParameters.tenantId
    openmetadata.config.secretsManager.additionalParameters.vaultName
    serviceAccount
    omjobOperator
    omjobOperator.env
    omjobOperator.healthCheck
    omjobOperator.image
    omjobOperator.resources
    omjobOperator.resources.limits
    omjobOperator.resources.requests
""")

# openmetadata-dependencies 1.13.0 and 1.13.1 (no values.schema.json): the paths its values.yaml sets under `airflow`
# (lists of objects as name[].key). Each of them is declared by the airflow 1.18.0 schema, except `airflow.enabled`, the
# dependency's `condition` in its Chart.yaml. It sets no fernetKey, apiSecretKey, jwtSecret or createUserJob.
_DEPS_1_13 = _tree({
    "": "airflow",
    "airflow": (
        "apiServer dags data enabled env executor flower images logs postgresql redis webserver webserverSecretKey workers"
    ),
    "airflow.apiServer": "extraVolumeMounts extraVolumes",
    "airflow.apiServer.extraVolumeMounts[]": "mountPath name",
    "airflow.apiServer.extraVolumes[]": "name persistentVolumeClaim",
    "airflow.apiServer.extraVolumes[].persistentVolumeClaim": "claimName",
    "airflow.dags": "persistence",
    "airflow.dags.persistence": "enabled size storageClassName",
    "airflow.data": "metadataConnection",
    "airflow.data.metadataConnection": "db host pass port protocol sslmode user",
    "airflow.env[]": "name value",
    "airflow.flower": "enabled",
    "airflow.images": "airflow",
    "airflow.images.airflow": "pullPolicy repository tag",
    "airflow.logs": "persistence",
    "airflow.logs.persistence": "enabled size storageClassName",
    "airflow.postgresql": "enabled",
    "airflow.redis": "enabled",
    "airflow.webserver": "defaultUser",
    "airflow.webserver.defaultUser": "email enabled firstName lastName password role username",
    "airflow.workers": "replicas",
})

# In the Airflow sets, "*" under createUserJob.{affinity, containerLifecycleHooks, resources, securityContext,
# securityContexts.pod, securityContexts.container, env[].valueFrom.configMapKeyRef, env[].valueFrom.secretKeyRef} stands for
# a Kubernetes object (schema "$ref": "#/definitions/io.k8s.api.core.v1.<Affinity, Lifecycle, ResourceRequirements,
# PodSecurityContext, SecurityContext, ConfigMapKeySelector, SecretKeySelector>") that the chart's schema checks against its
# own copy of the Kubernetes definitions, which are not copied here. createUserJob.{extraContainers, extraInitContainers,
# extraVolumes, extraVolumeMounts, tolerations, topologySpreadConstraints} are lists of such objects (leaves here).
_AF_1_18 = _tree({
    "": (
        "airflowPodAnnotations airflowVersion apiSecretKey apiSecretKeySecretName apiServer createUserJob dagProcessor "
        "defaultAirflowTag env extraEnv fernetKey fernetKeySecretName images jwtSecret jwtSecretName labels scheduler secret "
        "triggerer webserver webserverSecretKey webserverSecretKeySecretName workers"
    ),
    "airflowPodAnnotations": "*",
    "apiServer": "serviceAccount",
    "apiServer.serviceAccount": "annotations automountServiceAccountToken create name",
    "apiServer.serviceAccount.annotations": "*",
    "createUserJob": (
        "affinity annotations applyCustomEnv args command containerLifecycleHooks env extraContainers extraInitContainers "
        "extraVolumeMounts extraVolumes jobAnnotations labels nodeSelector priorityClassName resources securityContext "
        "securityContexts serviceAccount tolerations topologySpreadConstraints ttlSecondsAfterFinished useHelmHooks"
    ),
    "createUserJob.affinity": "*",
    "createUserJob.annotations": "*",
    "createUserJob.containerLifecycleHooks": "*",
    "createUserJob.env[]": "name value valueFrom",
    "createUserJob.env[].valueFrom": "configMapKeyRef secretKeyRef",
    "createUserJob.env[].valueFrom.configMapKeyRef": "*",
    "createUserJob.env[].valueFrom.secretKeyRef": "*",
    "createUserJob.jobAnnotations": "*",
    "createUserJob.labels": "*",
    "createUserJob.nodeSelector": "*",
    "createUserJob.resources": "*",
    "createUserJob.securityContext": "*",
    "createUserJob.securityContexts": "container pod",
    "createUserJob.securityContexts.container": "*",
    "createUserJob.securityContexts.pod": "*",
    "createUserJob.serviceAccount": "annotations automountServiceAccountToken create name",
    "createUserJob.serviceAccount.annotations": "*",
    "dagProcessor": "serviceAccount",
    "dagProcessor.serviceAccount": "annotations automountServiceAccountToken create name",
    "dagProcessor.serviceAccount.annotations": "*",
    "env[]": "name value",
    "images": "airflow",
    "images.airflow": "digest pullPolicy repository tag",
    "labels": "*",
    "scheduler": "serviceAccount",
    "scheduler.serviceAccount": "annotations automountServiceAccountToken create name",
    "scheduler.serviceAccount.annotations": "*",
    "secret[]": "envName secretKey secretName",
    "triggerer": "serviceAccount",
    "triggerer.serviceAccount": "annotations automountServiceAccountToken create name",
    "triggerer.serviceAccount.annotations": "*",
    "webserver": "defaultUser serviceAccount",
    "webserver.defaultUser": "email enabled firstName lastName password role username",
    "webserver.serviceAccount": "annotations automountServiceAccountToken create name",
    "webserver.serviceAccount.annotations": "*",
    "workers": "serviceAccount",
    "workers.serviceAccount": "annotations automountServiceAccountToken create name",
    "workers.serviceAccount.annotations": "*",
})

_AF_1_18_CLOSED = _words("""
    apiServer
    createUserJob
    createUserJob.env[]
    createUserJob.serviceAccount
    dagProcessor
    env[]
    images
    images.airflow
    scheduler
    secret[]
    triggerer
    webserver
    webserver.defaultUser
    workers
""")

# Airflow chart 1.19.0 (= 1.20.0 in these subtrees): createUserJob.defaultUser, with webserver.defaultUser still accepted.
_AF_1_19 = _AF_1_18 | _tree({
    "createUserJob": "defaultUser enabled restartPolicy",
    "createUserJob.defaultUser": "email enabled firstName lastName password role username",
    "scheduler.serviceAccount": "serviceAccountTokenVolume",
    "scheduler.serviceAccount.serviceAccountTokenVolume": "audience enabled expirationSeconds mountPath volumeName",
})

_AF_1_19_CLOSED = _AF_1_18_CLOSED | _words("""
    createUserJob.defaultUser
    scheduler.serviceAccount.serviceAccountTokenVolume
""")

# Airflow chart 1.21.0: workers.serviceAccount deprecated for workers.celery.serviceAccount / workers.kubernetes.serviceAccount.
_AF_1_21 = _AF_1_19 | _tree({
    "workers": "celery kubernetes",
    "workers.celery": "serviceAccount",
    "workers.celery.serviceAccount": "annotations automountServiceAccountToken create name",
    "workers.celery.serviceAccount.annotations": "*",
    "workers.kubernetes": "serviceAccount",
    "workers.kubernetes.serviceAccount": "annotations automountServiceAccountToken create name",
    "workers.kubernetes.serviceAccount.annotations": "*",
})

# Airflow main after "Drop Airflow 2 Support in Chart (#65866)": no webserver, webserverSecretKey(SecretName).
_AF_MAIN = _AF_1_21 - _tree({
    "": "webserver webserverSecretKey webserverSecretKeySecretName",
    "webserver": "defaultUser serviceAccount",
    "webserver.defaultUser": "email enabled firstName lastName password role username",
    "webserver.serviceAccount": "annotations automountServiceAccountToken create name",
    "webserver.serviceAccount.annotations": "*",
})

_AF_MAIN_CLOSED = _AF_1_19_CLOSED - _words("""
    webserver
    webserver.defaultUser
""")


_OM = "open-metadata/openmetadata-helm-charts"
_AF = "apache/airflow"
_AF_NOTE = "read from the fork snapshot n-badtke-cg/airflow (apache/airflow main history)"

CHARTS: dict[tuple[str, str], ChartFacts] = {
    ("openmetadata", "1.13.1"): ChartFacts(
        (_OM, "charts/openmetadata/values.schema.json", "039a208f0b9f2c40f6ce68d87e1e39b1d0819a57"), _OM_1_13, _OM_1_13_CLOSED
    ),
    ("openmetadata", "1.13.0"): ChartFacts(
        (_OM, "charts/openmetadata/values.schema.json", "dab31935da121961946d6f166b103236845d36ca"), _OM_1_13, _OM_1_13_CLOSED
    ),
    ("openmetadata-dependencies", "1.13.1"): ChartFacts(
        (_OM, "charts/deps/values.yaml", "039a208f0b9f2c40f6ce68d87e1e39b1d0819a57"),
        _DEPS_1_13,
        frozenset(),
        subcharts=(("airflow", ("airflow", "1.18.0")),),
    ),
    ("openmetadata-dependencies", "1.13.0"): ChartFacts(
        (_OM, "charts/deps/values.yaml", "dab31935da121961946d6f166b103236845d36ca"),
        _DEPS_1_13,
        frozenset(),
        subcharts=(("airflow", ("airflow", "1.18.0")),),
    ),
    ("airflow", "1.18.0"): ChartFacts(
        (_AF, "chart/values.schema.json", "48ae6af196270e51ee9e9af853cacf474633c60b"), _AF_1_18, _AF_1_18_CLOSED, note=_AF_NOTE
    ),
    ("airflow", "1.19.0"): ChartFacts(
        (_AF, "chart/values.schema.json", "5dc0143e7df3d7d0985aaffdfd96df9905432150"), _AF_1_19, _AF_1_19_CLOSED, note=_AF_NOTE
    ),
    ("airflow", "1.20.0"): ChartFacts(
        (_AF, "chart/values.schema.json", "64875d3eb95ef643295cd60381f88f68a05768c2"), _AF_1_19, _AF_1_19_CLOSED, note=_AF_NOTE
    ),
    ("airflow", "1.21.0"): ChartFacts(
        (_AF, "chart/values.schema.json", "b90710803a45d015a221b6045295d0dc9ddb964f"), _AF_1_21, _AF_1_19_CLOSED, note=_AF_NOTE
    ),
    ("airflow", "main@3e311d6d"): ChartFacts(
        (_AF, "chart/values.schema.json", "3e311d6de766d7a0b0e994de6769daa8b4d68e2f"),
        _AF_MAIN,
        _AF_MAIN_CLOSED,
        note=_AF_NOTE + "; Chart.yaml version 1.22.0, unreleased 2.x development line",
    ),
}


def declared(chart: str, version: str, dotted_path: str) -> bool:
    """Whether the chart version declares ``dotted_path`` (or it lies under a free map such as ``podAnnotations.*``)."""
    facts = CHARTS[(chart, version)]
    if dotted_path in facts.keys:
        return True
    parts = dotted_path.split(".")
    if any(".".join(parts[:i]) + ".*" in facts.keys for i in range(1, len(parts))):
        return True
    return any(
        dotted_path.startswith(name + ".") and declared(*sub, dotted_path[len(name) + 1 :]) for name, sub in facts.subcharts
    )


def _has_item_keys(chart: str, version: str, path: str) -> bool:
    facts = CHARTS[(chart, version)]
    if any(k.startswith(path + "[].") for k in facts.keys):
        return True
    return any(path.startswith(name + ".") and _has_item_keys(*sub, path[len(name) + 1 :]) for name, sub in facts.subcharts)


def first_undeclared(chart: str, version: str, values: dict) -> list[str]:
    """Every leaf path of ``values`` that ``declared`` refuses, sorted. Dicts are walked; a list of dicts is walked
    as ``path[]`` when item keys are recorded for it, otherwise it is a leaf, like any other value."""
    found: set[str] = set()

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and node and all(isinstance(i, dict) for i in node) and _has_item_keys(chart, version, path):
            for item in node:
                walk(item, path + "[]")
        elif not declared(chart, version, path):
            found.add(path)

    walk(values, "")
    return sorted(found)
