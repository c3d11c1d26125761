"""A deliberately bad Pulumi program: one resource (or a pair) that trips each om-secrets rule applying to a
Kubernetes stack, declared with the kubernetes and random providers the e2e engine has and with components of
om-secrets' type tokens carrying the props the rules read. Values are written out here (OM's public default
Fernet key from OM's conf/openmetadata.yaml, OM's default JWT kid), not imported from om-secrets, so the pack
and ``omsecrets check`` are judged on what they find, not on constants they share with this file.

Only previewed (``pulumi preview --policy-pack`` and ``omsecrets check``); the namespaces exist beforehand
(the test makes them), so the provider's dry-run has somewhere to put each object.

``RULE_RESOURCES`` (what each rule must report, by Pulumi resource name) is read by the test with ``ast``.
"""

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

NS, INGESTION_NS, PIPELINES_NS = "om-bad", "om-bad-ingestion", "om-bad-pipelines"
OM_DEFAULT_FERNET = "jJ/9sz0g0OHxsfxOoSfdFdmk3ysNmPRnH3TUAbz3IHA="  # OM conf/openmetadata.yaml fernetConfiguration
OM_DEFAULT_KID = "Gb389a-9f76-gdjs-a92j-0242bk94356"  # OM conf/openmetadata.yaml jwtTokenConfiguration.keyId
STORE_LABELS = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}

RULE_RESOURCES = {
    "airflow-no-default-admin": {"bad-airflow-admin"},
    "airflow-shared-secrets-pinned": {"bad-env"},
    "fernet-no-public-default-key": {"bad-default-fernet"},
    "fernet-ring-valid": {"bad-ring"},
    "fernet-keys-protected": {"bad-ring-gen-1"},
    "fernet-generation-retained": {"bad-ring"},
    "jwt-no-om-default-key": {"bad-default-kid"},
    "jwt-keys-namespace-own": {"bad-jwt-keys"},
    "k8s-no-cluster-secret-access": {"bad-cluster-role"},
    "k8s-role-no-wildcards": {"bad-wild-role"},
    "k8s-no-secret-list-watch": {"bad-wild-role", "bad-list-role"},
    "k8s-secret-name-valid": {"bad-name"},
    "k8s-store-secret-labels": {"bad-unlabelled"},
    "k8s-configmap-no-secret-values": {"bad-config"},
    "k8s-ingestion-env-no-secrets": {"bad-ingestion-env"},
    "k8s-pipelines-namespace-own": {"bad-pipelines-reader"},
    "store-names-follow-convention": {"bad-store-name"},
    "store-ids-unique": {"bad-twin-a", "bad-twin-b"},
}


class Component(pulumi.ComponentResource):
    """A component with om-secrets' type token, its props as inputs and outputs, as om-secrets' components register
    them (the engine hands stack policies a component's outputs, the offline engine its inputs)."""

    def __init__(self, type_: str, name: str, props: dict, opts=None):
        super().__init__(type_, name, props, opts)
        self.register_outputs(props)


def secret(name: str, namespace: str = NS, *, data_name=None, labels=None, string_data=None, data=None, opts=None):
    return k8s.core.v1.Secret(name, metadata={"name": data_name or name, "namespace": namespace, "labels": labels},
                              string_data=string_data, data=data, opts=opts)


# the environment component: production, Airflow 3 whose chart values name no Secret (OMS-AIRFLOW-002), ingestion
# in INGESTION_NS (OMS-JWT-002), Kubernetes-native ingestion's pipelines in PIPELINES_NS (OMS-K8S-008), the id
# convention's cluster name (OMS-STORE-001)
env = Component("om-secrets:index:OpenMetadataSecrets", "bad-env", {
    "production": True, "clusterName": "openmetadata", "prefix": "",
    "airflow": {"version": 3}, "helmValues": {"airflow": {}},
    "serviceAccounts": {"ingestion": f"{INGESTION_NS}/airflow", "openmetadata": f"{NS}/openmetadata"},
    "ingestion": {"runtime": "kubernetes", "namespace": PIPELINES_NS},
})
child = pulumi.ResourceOptions(parent=env)

# a Fernet ring component that drops generation 1 before anything was re-encrypted (OMS-FERNET-004), whose key is
# not protected in production (OMS-FERNET-003)
ring = Component("om-secrets:fernet:FernetKeyRing", "bad-ring", {"application": "airflow", "generations": [2]}, child)
random.RandomBytes("bad-ring-gen-1", length=32, opts=pulumi.ResourceOptions(parent=ring))

secret("bad-airflow-admin", string_data={"AIRFLOW_PASSWORD": "admin"}, opts=child)  # OMS-AIRFLOW-001
secret("bad-default-fernet", string_data={"fernet": OM_DEFAULT_FERNET}, opts=child)  # OMS-FERNET-001
# a ring value that is no ring; the key name makes it one (OMS-FERNET-002)
k8s.core.v1.Secret("bad-ring", metadata={"name": "bad-ring", "namespace": NS}, string_data={"fernet-key": "not-a-ring"},
                   opts=child)
k8s.core.v1.ConfigMap("bad-default-kid", metadata={"name": "bad-default-kid", "namespace": NS},
                      data={"JWT_KEY_ID": OM_DEFAULT_KID}, opts=child)  # OMS-JWT-001
secret("bad-jwt-keys", INGESTION_NS, data={"private_key.der": "AAAA"}, opts=child)  # OMS-JWT-002
k8s.rbac.v1.ClusterRole("bad-cluster-role", metadata={"name": "bad-cluster-role"}, rules=[
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}], opts=child)  # OMS-K8S-001
k8s.rbac.v1.Role("bad-wild-role", metadata={"name": "bad-wild-role", "namespace": NS}, rules=[
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["*"]}], opts=child)  # OMS-K8S-002 (and 003: * lists)
k8s.rbac.v1.Role("bad-list-role", metadata={"name": "bad-list-role", "namespace": NS}, rules=[
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}], opts=child)  # OMS-K8S-003
# OMS-K8S-004; the API server refuses the name in the provider's server-side dry-run, which would end the preview
# before every policy ran: this one Secret goes through a provider that previews client-side
client_side = k8s.Provider("client-side", enable_server_side_apply=False)
secret("bad-name", data_name="Bad_Name", string_data={"x": "y"},
       opts=pulumi.ResourceOptions(parent=env, provider=client_side))
secret("bad-unlabelled", data_name="openmetadata-unlabelled", labels={"app": "openmetadata"},
       string_data={"value": "v"}, opts=child)  # OMS-K8S-005 (labelled app=openmetadata: a store Secret)
k8s.core.v1.ConfigMap("bad-config", metadata={"name": "bad-config", "namespace": NS},
                      data={"DB_PASSWORD": "hunter2-but-longer"}, opts=child)  # OMS-K8S-006
secret("bad-store-name", data_name="somewhere-else-password", labels=STORE_LABELS,
       string_data={"value": "v"}, opts=child)  # OMS-STORE-001: not <clusterName>-...
for twin in ("bad-twin-a", "bad-twin-b"):  # OMS-STORE-002: one namespace/name, two owners
    secret(twin, data_name="openmetadata-twin", labels=STORE_LABELS, string_data={"value": "v"}, opts=child)
# OMS-K8S-007: a password in the env OM writes into every ingestion pod spec
secret("bad-ingestion-env", string_data={"K8S_EXTRA_ENV_VARS": '["LOG_LEVEL:INFO", "DB_PASSWORD:hunter2-but-longer"]'},
       opts=child)
# OMS-K8S-008: someone other than OM's server reads the pipelines namespace (the built-in view role)
k8s.rbac.v1.RoleBinding("bad-pipelines-reader", metadata={"name": "bad-pipelines-reader", "namespace": PIPELINES_NS},
                        role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                        subjects=[{"kind": "User", "name": "someone", "apiGroup": "rbac.authorization.k8s.io"}],
                        opts=child)
