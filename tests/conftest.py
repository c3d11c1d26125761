"""Shared fixtures: run the real program (or a fixture program) through the offline preview engine."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any, Optional

import pytest

from omsecrets import engine
from omsecrets.components import settings
from tests.support import previews

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PROGRAMS = FIXTURES / "programs"


@pytest.fixture(scope="session")
def project_dir() -> Path:
    """The repository root (the om-secrets Pulumi project)."""
    return ROOT


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def fixture_program():
    """``fixture_program("basic")`` -> path of tests/fixtures/programs/basic.py."""

    def path(name: str) -> Path:
        found = PROGRAMS / f"{name}.py"
        assert found.is_file(), found
        return found

    return path


@pytest.fixture
def preview_stack(project_dir):
    """``preview_stack("dev")`` or ``preview_stack("dev", config_file=...)``: preview a stack."""

    def run(stack: str = "dev", **kwargs: Any) -> engine.PreviewResult:
        return engine.preview(project_dir, stack, **kwargs)

    return run


_PLANTED_PREVIEWS: dict[tuple[str, str], engine.PreviewResult] = {}


@pytest.fixture
def previewed(request, preview_stack):
    """``previewed(stack)``: the real program for ``stack``, every ``fromConfig`` secret planted (cached).

    The values are ``tests.support.previews.PLANTED``. Each test module gets previews of its own,
    so a result one module holds is never handed to another.
    """

    def get(stack: str) -> engine.PreviewResult:
        key = (request.module.__name__, stack)
        if key not in _PLANTED_PREVIEWS:
            planted = previews.planted_keys(stack)
            _PLANTED_PREVIEWS[key] = preview_stack(stack, config_file=previews.stack_file(stack), config=planted,
                                                   secret_keys=tuple(planted))
        return _PLANTED_PREVIEWS[key]

    return get


@pytest.fixture
def preview_config(project_dir):
    """Preview with config given as a dict of project keys without namespace.

    ``preview_config({"provider": "kubernetes"}, extra={"aws:region": "eu-west-1"},
    secret_keys=["dbPassword"])``; keys that already contain ``:`` are used as they are. A kubernetes
    store gets ``kubernetes:enableSecretMutable: "true"`` as every such stack file needs, unless
    ``extra`` sets it.
    """
    namespace = engine.load_project(project_dir)["name"]

    def qualify(key: str) -> str:
        return key if ":" in key else f"{namespace}:{key}"

    def run(values: Optional[dict] = None, *, extra: Optional[dict] = None, secret_keys=(),
            stack: str = "test", program=None, **kwargs: Any) -> engine.PreviewResult:
        config = {qualify(k): v for k, v in (values or {}).items()}
        if config.get(qualify("provider")) == "kubernetes":
            config[settings.SECRET_MUTABLE] = "true"
        config.update(extra or {})
        return engine.preview(project_dir, stack, config=config, secret_keys=[qualify(k) for k in secret_keys],
                              program=program, **kwargs)

    return run


@pytest.fixture
def make_project(tmp_path):
    """A throwaway project: Pulumi.yaml, ``stacks/Pulumi.<stack>.yaml`` files, a fixture program.

    ``make_project("basic", stacks={"test": "config:\\n  fixture:mode: x\\n"})`` -> project dir.
    """

    def make(program: str = "basic", stacks: Optional[dict[str, str]] = None, name: str = "fixture") -> Path:
        root = tmp_path / "project"
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\nstackConfigDir: stacks\n")
        shutil.copy(PROGRAMS / f"{program}.py", root / "__main__.py")
        for stack, text in (stacks or {}).items():
            (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(text))
        return root

    return make


def pytest_terminal_summary(terminalreporter) -> None:
    """Print how many stack files tests/test_hostile_input.py generated this run (CI output shows it)."""
    import sys

    hostile = next((m for name, m in sys.modules.items() if name.endswith("test_hostile_input")), None)
    if hostile is not None and hostile.GENERATED["stack files"]:
        terminalreporter.write_line(hostile.summary())
