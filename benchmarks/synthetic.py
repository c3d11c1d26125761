"""The synthetic stack the benchmarks preview: a kubernetes stack seeding N bootstrap secrets."""

from __future__ import annotations

from pathlib import Path

import yaml


def kubernetes_stack(folder: Path, services: int) -> Path:
    """``Pulumi.bench<N>.yaml`` seeding ``database/svc-<i>/password`` for N services (none for 0)."""
    config: dict = {"kubernetes:enableSecretMutable": "true", "om-secrets:provider": "kubernetes",
                    "om-secrets:clusterName": "openmetadata"}
    if services:
        config["om-secrets:secrets"] = [{"name": f"svc-{i}-password", "path": f"database/svc-{i}/password"}
                                        for i in range(services)]
    path = folder / f"Pulumi.bench{services}.yaml"
    path.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return path
