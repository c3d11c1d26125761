"""What a real ``pulumi up`` costs: the dev stack on the real engine (the e2e tier's pulumi CLI, our Python host,
pulumi-kubernetes and the random / tls stand-ins) against a real kube-apiserver + etcd, next to the offline
``omsecrets preview dev`` measured in the same run.

    python benchmarks/real_engine.py [--rounds 3] [--json]

Each round starts a fresh API server (timed: ready when ``/readyz`` answers), makes a scratch project of
``stacks/Pulumi.dev.yaml`` with ``protect: false`` (so ``destroy`` can finish), and times, as whole processes:
``pulumi preview``, ``pulumi up``, ``pulumi up --expect-no-changes`` and ``pulumi destroy``, each followed by
``omsecrets preview dev`` so both sides see the same machine. Medians (and the range) of wall seconds. Needs the
built engine (``OM_SECRETS_ENGINE_BIN`` or ``e2e/build-engine.sh --cached``); exit 1 when a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "e2e" / "tests"))

from cluster import Cluster  # noqa: E402
from conftest import stack_config  # noqa: E402
from project import Project  # noqa: E402

STEPS = (("pulumi preview", ("preview",)), ("pulumi up", ("up", "--yes", "--skip-preview")),
         ("pulumi up --expect-no-changes", ("up", "--yes", "--skip-preview", "--expect-no-changes")),
         ("pulumi destroy", ("destroy", "--yes", "--skip-preview")))
OFFLINE = "omsecrets preview dev"


def engine_bin() -> Path:
    if os.environ.get("OM_SECRETS_ENGINE_BIN"):
        return Path(os.environ["OM_SECRETS_ENGINE_BIN"])
    out = subprocess.run(["bash", str(ROOT / "e2e" / "build-engine.sh"), "--cached"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"the engine is not built: run e2e/build-engine.sh ({out.stderr.strip()})")
    return Path(out.stdout.strip().splitlines()[-1])


def offline(project: Project) -> float:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "omsecrets", "preview", "dev", "--project-dir", str(project.root)],
                         capture_output=True, text=True,
                         env={k: v for k, v in project.env.items() if k != "PULUMI_CONFIG_PASSPHRASE"})
    wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"{OFFLINE} failed:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return wall


def one_round(bin_dir: Path, work: Path, times: dict[str, list[float]]) -> None:
    cluster = Cluster(bin_dir, work / "cluster")
    started = time.perf_counter()
    cluster.start()
    times["API server + etcd ready"].append(time.perf_counter() - started)
    try:
        config = stack_config("dev")
        config["protect"] = False
        project = Project.create(work / "proj", ROOT, bin_dir, cluster.kubeconfig, "dev", config)
        for name, args in STEPS:
            started = time.perf_counter()
            result = project.run(*args)
            times[name].append(time.perf_counter() - started)
            if result.returncode != 0:
                sys.exit(f"{name} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
            times[OFFLINE].append(offline(project))
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    bin_dir = engine_bin()
    times: dict[str, list[float]] = {k: [] for k in ("API server + etcd ready", *(n for n, _ in STEPS), OFFLINE)}
    for i in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix=f"om-secrets-bench-{i}-") as tmp:
            one_round(bin_dir, Path(tmp), times)
    rows = {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "runs": len(v)} for k, v in times.items()}
    if args.json:
        print(json.dumps({"load": os.getloadavg(), "seconds": rows}, indent=2))
        return 0
    offline_median = rows[OFFLINE]["median"]
    print(f"{args.rounds} round(s), load average now {os.getloadavg()[0]:.1f}; wall seconds, median (min-max)")
    print("| command | wall | against offline preview |")
    print("|---|---|---|")
    for name, row in rows.items():
        ratio = f"{row['median'] / offline_median:.1f}x" if name != OFFLINE else "1.0x"
        print(f"| `{name}` | {row['median']:.2f} s ({row['min']:.2f}-{row['max']:.2f}) | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
