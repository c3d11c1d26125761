"""The installed distribution adds one top-level name, ``omsecrets``; the public import works."""

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_installs_one_top_level_package(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
    )
    (wheel,) = tmp_path.glob("om_secrets-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"omsecrets"}
    for module in ("omsecrets/components/environment.py", "omsecrets/policies/rules/_util.py",
                   "omsecrets/policies/PulumiPolicy.yaml", "omsecrets/cli.py"):
        assert module in names


def test_public_import_outside_the_repository(tmp_path):
    code = "from omsecrets.components import OpenMetadataSecrets; print(OpenMetadataSecrets.__module__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "omsecrets.components.environment"
    generic = subprocess.run([sys.executable, "-c", "import components"], cwd=tmp_path, capture_output=True)
    assert generic.returncode != 0
