"""Benchmark: omsecrets.engine.preview against bare Pulumi set_mocks on the same program.

The program registers one component with N children (alternating random.RandomBytes and
aws.secretsmanager.Secret with tags). The floor runs it with stock ``set_mocks`` and a
trivial Mocks; both sides use a fresh context and event loop. Each repeat is a fresh child
process that runs both sides (order alternating); the table shows the best of ``--repeat``.

    python benchmarks/preview.py [--sizes 100 1000 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import gc
import json
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import run_pulumi_func

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from omsecrets import engine  # noqa: E402

PROGRAM = '''
import pulumi
import pulumi_aws as aws
import pulumi_random as random

n = pulumi.Config("bench").require_int("n")


class Group(pulumi.ComponentResource):
    def __init__(self, name, count):
        super().__init__("bench:index:Group", name)
        child = pulumi.ResourceOptions(parent=self)
        for i in range(count):
            if i % 2:
                aws.secretsmanager.Secret(f"secret-{i}", name=f"bench/{i}",
                                          tags={"index": str(i), "team": "data"}, opts=child)
            else:
                random.RandomBytes(f"key-{i}", length=32, opts=child)
        self.register_outputs({"count": count})


Group("group", n)
pulumi.export("count", n)
'''


class TrivialMocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return args.name + "_id", args.inputs

    def call(self, args):
        return {}


def write_project(folder: Path) -> Path:
    (folder / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (folder / "__main__.py").write_text(PROGRAM)
    return folder


def _floor_run(program: Path, n: int) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options(project="bench", stack="bench", preview=False)
        pulumi.runtime.set_all_config({"bench:n": str(n)}, [])
        pulumi.runtime.set_mocks(TrivialMocks(), project="bench", stack="bench", preview=False)
        loop.run_until_complete(run_pulumi_func(lambda: runpy.run_path(str(program), run_name="__main__")))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def _timed(fn, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all threads) of fn(*args), after collecting garbage."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def floor(project: Path, n: int) -> tuple[float, float]:
    """Stock set_mocks + trivial Mocks, fresh context and loop."""
    return _timed(contextvars.Context().run, _floor_run, project / "__main__.py", n)


def _ours_run(project: Path, n: int) -> None:
    result = engine.preview(project, "bench", config={"bench:n": n})
    assert len(result.resources) == n + 1, len(result.resources)


def ours(project: Path, n: int) -> tuple[float, float]:
    return _timed(_ours_run, project, n)


def document(project: Path, n: int) -> tuple[float, float]:
    """preview() followed by to_document()."""
    return _timed(lambda: engine.preview(project, "bench", config={"bench:n": n}).to_document())


SIDES = {"floor": floor, "ours": ours, "doc": document}


def child(n: int, first: str) -> dict:
    """One fresh process: warm up, then run each side (``first`` first); small N runs 5 rounds."""
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp))
        floor(project, 10)
        ours(project, 10)
        order = ["floor", "ours", "doc"] if first == "floor" else ["ours", "doc", "floor"]
        rounds = [{side: SIDES[side](project, n) for side in order} for _ in range(5 if n <= 300 else 1)]
        return {side: min(r[side] for r in rounds) for side in order}


def run_child(n: int, first: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--first", first],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def measure(n: int, repeat: int) -> dict:
    """Best (wall, cpu) per side over ``repeat`` child processes, alternating the order."""
    runs = [run_child(n, "floor" if i % 2 == 0 else "ours") for i in range(repeat)]
    return {side: (min(r[side][0] for r in runs), min(r[side][1] for r in runs)) for side in SIDES}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", default="floor", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.first)))
        return 0
    print(f"{'N':>6} {'floor s':>8} {'ours s':>8} {'ratio':>6} {'floor ms/res':>12} {'ours ms/res':>11} "
          f"{'+doc s':>7} {'cpu floor':>9} {'cpu ours':>9} {'cpu ratio':>9}")
    worst = 0.0
    for n in args.sizes:
        best = measure(n, args.repeat)
        (floor_s, floor_cpu), (ours_s, ours_cpu), (doc_s, _) = best["floor"], best["ours"], best["doc"]
        worst = max(worst, ours_s / floor_s)
        print(f"{n:>6} {floor_s:>8.3f} {ours_s:>8.3f} {ours_s / floor_s:>6.2f} {1000 * floor_s / n:>12.3f} "
              f"{1000 * ours_s / n:>11.3f} {doc_s:>7.3f} {floor_cpu:>9.3f} {ours_cpu:>9.3f} "
              f"{ours_cpu / floor_cpu:>9.2f}", flush=True)
    print(f"worst wall-clock ratio {worst:.2f} (target <= 1.20)")
    return 0 if worst <= 1.20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
