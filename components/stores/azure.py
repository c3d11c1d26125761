"""Azure Key Vault store (``azure-kv``, ``managed-azure-kv``): secrets named by OM's ids in a vault.

pulumi-azure-native (optional extra ``om-secrets[azure]``) is imported when a store is built. Its
``keyvault:Secret`` writes through the ARM control plane (the deployer needs no data-plane role)
and deleting it soft-deletes, never purges.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi

from .. import core
from ..access.azure_rbac import is_vault_name, keys_vault_name
from .base import SecretStore, StoreArgs

NETWORK_ACTIONS = ("Allow", "Deny")
_IP_RULE = re.compile(r"\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?")


@dataclass(frozen=True)
class AzureVaultArgs:
    """One Key Vault: created by om-secrets (``create``) or an existing one used by name.

    Attributes:
        name: vault name (3-24 of letters, digits, '-').
        create: declare the vault; False uses an existing vault (RBAC authorization must be on).
        soft_delete_retention_days: 7-90 days a deleted secret stays recoverable.
        purge_protection: no purge until retention ends. OM never purges (it soft-deletes and
            re-creating a deleted name fails until it is purged), so this only guards against people.
        network_default_action: ``Deny`` (only ``ip_rules``/``subnet_ids`` and trusted Azure
            services reach the vault) or ``Allow``.
        public_network_access: False disables the public endpoint (private endpoint only).
    """

    name: str
    create: bool = True
    soft_delete_retention_days: int = 90
    purge_protection: bool = True
    network_default_action: str = "Allow"
    ip_rules: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    public_network_access: bool = True
    sku: str = "standard"

    def problems(self, key: str = "vault") -> list[str]:
        out = []
        if not is_vault_name(self.name):
            out.append(
                f"{key}.name {self.name!r} is not a Key Vault name "
                "(3-24 of letters, digits, '-', starting with a letter, no '--')"
            )
        if not 7 <= self.soft_delete_retention_days <= 90:
            out.append(f"{key}.softDeleteRetentionDays {self.soft_delete_retention_days!r} is not allowed; expected 7 to 90")
        if self.network_default_action not in NETWORK_ACTIONS:
            out.append(f"{key}.network.defaultAction {self.network_default_action!r} is not allowed; allowed: Allow, Deny")
        for ip in self.ip_rules:
            if not _IP_RULE.fullmatch(ip):
                out.append(f"{key}.network.ipRules {ip!r} is not an IPv4 address or CIDR range")
        if self.sku not in ("standard", "premium"):
            out.append(f"{key}.sku {self.sku!r} is not allowed; allowed: standard, premium")
        return out


@dataclass(frozen=True)
class AzureKeyVaultStoreArgs(StoreArgs):
    """Key Vault options.

    Attributes:
        vault: the vault OM reads and (``managed-azure-kv``) writes.
        keys_vault_name: the vault for the Fernet key copies, which no app identity can read
            (Key Vault roles cannot exclude single secrets); default ``<vault>-keys``.
        resource_group_name / location / tenant_id: where the vaults are.
    """

    vault: AzureVaultArgs = field(default_factory=lambda: AzureVaultArgs("openmetadata-kv"))
    keys_vault_name: str | None = None
    resource_group_name: str = ""
    location: str = ""
    tenant_id: str = ""

    def __post_init__(self):
        problems = self.vault.problems()
        if self.keys_vault_name is not None and not is_vault_name(self.keys_vault_name):
            problems.append(f"keysVaultName {self.keys_vault_name!r} is not a Key Vault name")
        if not self.resource_group_name:
            problems.append("resource_group_name is required")
        if self.vault.create and not (self.location and self.tenant_id):
            problems.append("location and tenant_id are required to create the vault")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def keys_vault(self) -> AzureVaultArgs:
        from dataclasses import replace

        return replace(self.vault, name=self.keys_vault_name or keys_vault_name(self.vault.name))


def vault_properties(vault: AzureVaultArgs, tenant_id: str) -> dict:
    """The ``properties`` of a created vault: RBAC authorization, soft delete, purge protection, network."""
    props = {
        "tenant_id": tenant_id,
        "sku": {"family": "A", "name": vault.sku},
        "enable_rbac_authorization": True,
        "enable_soft_delete": True,
        "soft_delete_retention_in_days": vault.soft_delete_retention_days,
        # ARM refuses enablePurgeProtection: false; leaving it unset means off.
        "enable_purge_protection": True if vault.purge_protection else None,
        "public_network_access": "Enabled" if vault.public_network_access else "Disabled",
        "network_acls": {
            "default_action": vault.network_default_action,
            "bypass": "AzureServices",
            "ip_rules": [{"value": ip} for ip in vault.ip_rules],
            "virtual_network_rules": [{"id": sid} for sid in vault.subnet_ids],
        },
    }
    return props


class AzureKeyVaultStore(SecretStore):
    """OM secrets as ``azure-native:keyvault:Secret`` named by OM's id, in a created or existing vault.

    Attributes: ``vault_name``, ``vault_id`` (Output), ``keys_vault_name``, ``keys_vault_id``.
    """

    TYPE = core.AZURE_KEY_VAULT_STORE_TYPE

    def __init__(self, name: str, args: AzureKeyVaultStoreArgs, opts: pulumi.ResourceOptions | None = None):
        from pulumi_azure_native import keyvault

        super().__init__(
            name,
            args,
            {"vaultName": args.vault.name, "keysVaultName": args.keys_vault.name, "createVault": args.vault.create},
            opts,
        )
        self._keyvault = keyvault
        self.vault_name = args.vault.name
        self.keys_vault_name = args.keys_vault.name
        self.vault_id = self._vault("vault", args.vault)
        self.keys_vault_id = self._vault("keys-vault", args.keys_vault)

    def _vault(self, suffix: str, vault: AzureVaultArgs) -> pulumi.Output[str]:
        args: AzureKeyVaultStoreArgs = self.args
        kv = self._keyvault
        if not vault.create:
            found = kv.get_vault_output(resource_group_name=args.resource_group_name, vault_name=vault.name)
            return found.id
        props = vault_properties(vault, args.tenant_id)
        acls = props.pop("network_acls")
        created = kv.Vault(
            f"{self.name}-{suffix}",
            vault_name=vault.name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=self.tags,
            properties=kv.VaultPropertiesArgs(
                **{k: v for k, v in props.items() if k != "sku"},
                sku=kv.SkuArgs(family=props["sku"]["family"], name=props["sku"]["name"]),
                network_acls=kv.NetworkRuleSetArgs(
                    default_action=acls["default_action"],
                    bypass=acls["bypass"],
                    ip_rules=[kv.IPRuleArgs(value=r["value"]) for r in acls["ip_rules"]],
                    virtual_network_rules=[kv.VirtualNetworkRuleArgs(id=r["id"]) for r in acls["virtual_network_rules"]],
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=bool(args.protect)),
        )
        return created.id

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: AzureKeyVaultStoreArgs = self.args
        vault = args.keys_vault if key_material else args.vault
        return self._keyvault.Secret(
            self._child_name(name),
            secret_name=sid,
            vault_name=vault.name,
            resource_group_name=args.resource_group_name,
            properties=self._keyvault.SecretPropertiesArgs(value=value, content_type="text/plain"),
            tags=self.tags,
            opts=self._options(
                key_material=key_material,
                additional_secret_outputs=["properties"],
                ignore_changes=["properties.value"] if server_owned else None,
                depends_on=[],
            ),
        )

    def secret_ids_in(self, vault: str) -> Sequence[str]:
        """Ids seeded into ``vault`` (``"vault"`` or ``"keys"``)."""
        keys = vault == "keys"
        return sorted(s.secret_id for s in self.seeded.values() if (s.name.startswith("fernet-")) == keys)
