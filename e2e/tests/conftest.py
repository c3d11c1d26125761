"""Fixtures of the e2e tier: the built engine, a real API server, a scratch copy of the Pulumi project.

Run with ``python -m pytest -m e2e e2e/`` after ``e2e/build-engine.sh`` (``.ci/run`` does both).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cluster import Cluster  # noqa: E402
from project import Project  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
E2E = REPO / "e2e"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    """The cached engine bin directory (``OM_SECRETS_ENGINE_BIN`` or ``build-engine.sh --cached``)."""
    if os.environ.get("OM_SECRETS_ENGINE_BIN"):
        path = Path(os.environ["OM_SECRETS_ENGINE_BIN"])
    else:
        if shutil.which("go") is None:
            pytest.skip("e2e: Go is not installed, so the engine cannot be built (see README, e2e tier)")
        out = subprocess.run(["bash", str(E2E / "build-engine.sh"), "--cached"], capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip(f"e2e: the engine is not built for these versions: run e2e/build-engine.sh ({out.stderr.strip()})")
        path = Path(out.stdout.strip().splitlines()[-1])
    missing = [b for b in ("pulumi", "pulumi-language-python", "pulumi-language-python-exec", "pulumi-resource-kubernetes",
                           "pulumi-resource-random", "pulumi-resource-tls", "kube-apiserver", "etcd") if not (path / b).exists()]
    if missing:
        pytest.skip(f"e2e: {path} lacks {', '.join(missing)}: run e2e/build-engine.sh")
    return path


@pytest.fixture(scope="module")
def cluster(engine_bin, tmp_path_factory):
    """A fresh API server per test module: the stacks of different modules declare the same objects."""
    c = Cluster(engine_bin, tmp_path_factory.mktemp("cluster"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def om_python() -> str:
    """Python of the cached venv with OpenMetadata's ingestion package (built on first use, ~3 min)."""
    if os.environ.get("OM_SECRETS_E2E_NO_OM_VENV"):
        pytest.skip("e2e: OM_SECRETS_E2E_NO_OM_VENV set")
    out = subprocess.run(["bash", str(E2E / "om-ingestion-venv.sh")], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.fail(f"could not build the openmetadata-ingestion venv:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def make_project(engine_bin, cluster, tmp_path_factory):
    def make(stack: str, config: dict, program: Path | None = None) -> Project:
        return Project.create(tmp_path_factory.mktemp("proj") / stack, REPO, engine_bin, cluster.kubeconfig, stack,
                              config, program)
    return make


def stack_config(name: str) -> dict:
    """A shipped stack's config: ``om-secrets:`` keys without the prefix, other namespaces' keys whole."""
    import yaml
    doc = yaml.safe_load((REPO / "stacks" / f"Pulumi.{name}.yaml").read_text())
    return {k.removeprefix("om-secrets:"): v for k, v in doc["config"].items()}
