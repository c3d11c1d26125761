"""A scratch copy of the om-secrets Pulumi project driven by the real ``pulumi`` CLI.

The copy has the repo's ``__main__.py`` and a ``Pulumi.yaml`` whose virtualenv is the running
interpreter's (which has om-secrets installed: ``pulumi up`` never runs pip), a file state backend and a
temporary ``PULUMI_HOME``; plugins come from the engine bin directory on PATH, never downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

PASSPHRASE = "om-secrets-e2e"
SECRET_SIG = "4dabf18193072939515e22adb298388d"


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> "Result":
        if self.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(self.args)} exited {self.returncode}\n--- stdout\n"
                                 f"{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-4000:]}")
        return self


def session_processes(sid: int) -> list[tuple[int, str]]:
    """``(pid, command line)`` of every live process of session ``sid`` (one started with start_new_session)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")))
        except (OSError, IndexError, ValueError):
            continue
    return out


def kill_group(sid: int) -> None:
    """SIGKILL the process group and session ``sid`` (a pulumi started by Project.start and everything it started,
    also plugins that made a process group of their own)."""
    try:
        os.killpg(sid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid, _ in session_processes(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Project:
    def __init__(self, root: Path, repo: Path, bin_dir: Path, kubeconfig: Path, stack: str):
        self.root, self.repo, self.bin_dir, self.stack = root, repo, bin_dir, stack
        venv_bin = Path(sys.executable).parent
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        self.env.update({
            "PATH": f"{bin_dir}{os.pathsep}{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(root / ".pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "KUBECONFIG": str(kubeconfig),
            "NO_COLOR": "1",
        })

    @classmethod
    def create(cls, root: Path, repo: Path, bin_dir: Path, kubeconfig: Path, stack: str, config: dict,
               program: Path | None = None) -> "Project":
        """A scratch project running the repo's ``__main__.py`` (or ``program``) for ``stack``."""
        root.mkdir(parents=True)
        (root / "stacks").mkdir()
        shutil.copy(program or repo / "__main__.py", root / "__main__.py")
        project = yaml.safe_load((repo / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(Path(sys.prefix))
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        (root / "state").mkdir()
        p = cls(root, repo, bin_dir, kubeconfig, stack)
        p.run("login", f"file://{root / 'state'}").check()
        p.run("stack", "init", stack, "--secrets-provider", "passphrase").check()
        p.set_config(config)
        return p

    @property
    def stack_file(self) -> Path:
        return self.root / "stacks" / f"Pulumi.{self.stack}.yaml"

    def set_config(self, config: dict) -> None:
        """Replace the stack's config (keeps the passphrase salt written by stack init); keys without a
        namespace are ``om-secrets:`` keys."""
        doc = yaml.safe_load(self.stack_file.read_text()) if self.stack_file.exists() else {}
        doc = doc or {}
        doc["config"] = {(k if ":" in k else f"om-secrets:{k}"): v for k, v in config.items()}
        self.stack_file.write_text(yaml.safe_dump(doc, sort_keys=False))

    def argv(self, *args: str) -> list[str]:
        argv = [str(self.bin_dir / "pulumi"), *args, "--non-interactive"]
        if args[0] != "login" and args[:2] != ("stack", "init"):
            argv += ["--stack", self.stack]
        return argv

    def start(self, *args: str, **kw) -> subprocess.Popen:
        """``pulumi <args>`` in a session of its own (its process group holds every plugin it starts)."""
        return subprocess.Popen(self.argv(*args), cwd=self.root, env=self.env, text=True, start_new_session=True, **kw)

    def run(self, *args: str, timeout: float = 900) -> Result:
        """``pulumi <args>``; past ``timeout`` the whole process group is killed (pulumi, its language host, the
        program, the providers), so a hung run leaves nothing behind."""
        proc = self.start(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            stdout, stderr = proc.communicate()
            return Result(list(args), -1, stdout, stderr + f"\n[timed out after {timeout}s; process group killed]")
        finally:
            kill_group(proc.pid)  # plugins a finished pulumi left behind (none, normally)
        return Result(list(args), proc.returncode, stdout, stderr)

    def up(self) -> Result:
        return self.run("up", "--yes", "--skip-preview", "--diff").check()

    def outputs(self) -> dict:
        return json.loads(self.run("stack", "output", "--json", "--show-secrets").check().stdout)

    def state(self) -> list[dict]:
        """The engine's registered resources (``pulumi stack export --show-secrets``)."""
        doc = json.loads(self.run("stack", "export", "--show-secrets").check().stdout)
        return doc["deployment"].get("resources", [])

    def offline_preview(self, show_secrets: bool = True) -> dict:
        """What the mock engine (``omsecrets preview --json``) declares for the same stack."""
        out = subprocess.run([str(Path(sys.executable).parent / "omsecrets"), "preview", self.stack, "--json",
                              *(["--show-secrets"] if show_secrets else []),
                              "--project-dir", str(self.root)], capture_output=True, text=True,
                             env={k: v for k, v in self.env.items() if k != "PULUMI_CONFIG_PASSPHRASE"})
        if out.returncode != 0:
            raise AssertionError(f"omsecrets preview failed:\n{out.stdout}\n{out.stderr}")
        return json.loads(out.stdout)
