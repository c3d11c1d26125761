"""Whole-process benchmark: ``omsecrets`` commands as a user runs them, against floors measured in the same run.

    python benchmarks/cli.py [--repeat 7] [--sizes 100 1000 3000] [--scale-repeat 5] [--no-scale] [--copies 4]

Every number is the median CPU time (user + system of the process and the children it waited for,
from ``os.wait4``) of ``--repeat`` fresh processes; wall time is shown beside it. Floors:

- ``python -c pass``: the interpreter alone. ``--help``, ``stacks`` and ``fernet generate`` must
  stay within 3x of it (they import nothing from Pulumi).
- ``import Pulumi classes``: a process that only imports ``pulumi`` and the provider classes the
  command's stacks declare (from their resource types), plus ``pulumi_policy`` for ``check``.
  ``preview dev`` and ``check`` (every shipped stack) must stay within 1.15x of it.
- per bootstrap secret: ``preview --config-file`` of a kubernetes stack seeding N secrets minus
  the same stack with none run just before it, divided by N (median of ``--scale-repeat`` such
  pairs, 5x as many for sizes under 1,000, every size in every round); the spread between sizes must
  stay within 20%.
- many stacks: ``check`` of the shipped stacks copied ``--copies`` times, by default (both CPUs when
  one is idle) against ``--jobs 1``; the default must save at least 15% wall time on 2 CPUs or more.

Outputs must not depend on the speed-ups: each measured command's stdout is compared byte for byte
with a run under ``OMSECRETS_FAST=0`` (which turns them off). Exit 1 when a target or a comparison fails.
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

from synthetic import kubernetes_stack  # benchmarks/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from omsecrets import engine  # noqa: E402  (the driver only; measured processes start fresh)

PYTHON = sys.executable
OMSECRETS = [PYTHON, "-m", "omsecrets"]
LIGHT_TARGET, PULUMI_TARGET, SCALE_TARGET, WALL_SAVED_TARGET = 3.0, 1.15, 1.20, 0.15
SMALL_SIZE, SMALL_PAIRS = 1000, 5  # sizes below 1,000 get 5 pairs a round: their difference is small against the noise


# As installed: byte code cached (pip compiles site-packages; om-secrets' own on the first run).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(argv: list[str], env: dict | None = None, cwd: Path = ROOT) -> tuple[float, float, bytes, int]:
    """(CPU seconds, wall seconds, stdout, exit code) of one fresh process."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd,
                                   env={**ENVIRONMENT, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return usage.ru_utime + usage.ru_stime, wall, out.read(), process.returncode


def summarize(argv: list[str], runs: list[tuple], expect: int = 0) -> dict:
    """Medians of ``run_once`` results of one command; exit if any run's exit code is not ``expect``."""
    codes = {r[3] for r in runs}
    if codes != {expect}:
        raise SystemExit(f"{' '.join(argv)} exited {sorted(codes)}, expected {expect}")
    return {"cpu": statistics.median(r[0] for r in runs), "wall": statistics.median(r[1] for r in runs),
            "stdout": runs[0][2], "stable": len({r[2] for r in runs}) == 1}


def measure(argv: list[str], repeat: int, expect: int = 0) -> dict:
    run_once(argv)  # warm-up: byte code and the page cache
    return summarize(argv, [run_once(argv) for _ in range(repeat)], expect)


def measure_pair(floor_argv: list[str], argv: list[str], repeat: int) -> tuple[dict, dict]:
    """``measure`` of a floor and a command, their runs interleaved (floor, command, floor, ...) so a
    change in the machine's load during the run falls on both sides of the ratio alike."""
    for command in (floor_argv, argv):
        run_once(command)  # warm-up
    pairs = [(run_once(floor_argv), run_once(argv)) for _ in range(repeat)]
    return summarize(floor_argv, [p[0] for p in pairs]), summarize(argv, [p[1] for p in pairs])


def class_of(type_token: str) -> tuple[str, str] | None:
    """``aws:iam/role:Role`` -> ("pulumi_aws.iam", "Role"), ``azure-native:keyvault:Vault`` ->
    ("pulumi_azure_native.keyvault", "Vault"); None for om-secrets components and the stack."""
    package, module, name = type_token.split(":")
    if package in ("pulumi", "om-secrets"):
        return None
    if "/" not in module:  # azure-native style: the module is the Python submodule
        return f"pulumi_{package.replace('-', '_')}.{module}", name
    group, _, version = module.partition("/")
    if package == "kubernetes":
        path = f"pulumi_kubernetes.{group.split('.')[0]}.{version}"
    elif group == "index":
        path = f"pulumi_{package}"
    else:
        path = f"pulumi_{package}.{group}"
    return path, name


def import_floor(stacks: list[str], extra: tuple[str, ...] = ()) -> list[str]:
    """A ``python -c`` that imports pulumi and the classes the stacks' previews declare."""
    classes: dict[str, set[str]] = {}
    for stack in stacks:
        for resource in engine.preview(ROOT, stack).resources:
            found = class_of(resource.type)
            if found:
                classes.setdefault(found[0], set()).add(found[1])
    lines = ["import pulumi", *(f"import {m}" for m in extra)]
    lines += [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(classes.items())]
    return [PYTHON, "-c", "; ".join(lines)]


def many_stacks_project(folder: Path, stacks: list[str], copies: int) -> Path:
    """This project (linked) with each of ``stacks``' files copied ``copies`` times."""
    (folder / "stacks").mkdir(parents=True)
    for n in range(copies):
        for stack in stacks:
            text = engine.stack_file_path(ROOT, stack).read_text(encoding="utf-8")
            (folder / "stacks" / f"Pulumi.{stack}{n}.yaml").write_text(text, encoding="utf-8")
    for name in ("Pulumi.yaml", "__main__.py", "components", "policies"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def same_output(argv: list[str], expected: bytes, failures: list[str], expect_code: int = 0) -> None:
    _, _, slow, code = run_once(argv, env={"OMSECRETS_FAST": "0"})
    if slow != expected or code != expect_code:
        failures.append(f"output differs with OMSECRETS_FAST=0: {' '.join(argv[2:])}")


def row(label: str, m: dict, floor: float | None = None, target: float | None = None,
        failures: list[str] | None = None) -> None:
    ratio = m["cpu"] / floor if floor else None
    verdict = ""
    if target is not None and ratio is not None:
        ok = ratio <= target
        verdict = f"  target <= {target:.2f}x: {'met' if ok else 'MISSED'}"
        if not ok and failures is not None:
            failures.append(f"{label}: {ratio:.2f}x > {target:.2f}x")
    shown = f"{ratio:6.2f}x" if ratio is not None else " " * 7
    print(f"  {label:<34} cpu {m['cpu']:7.3f}s  wall {m['wall']:7.3f}s  {shown}{verdict}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="processes per measurement (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 3000], help="bootstrap secrets")
    parser.add_argument("--scale-repeat", type=int, default=5, help="processes per size (median)")
    parser.add_argument("--no-scale", action="store_true", help="skip the per-secret scaling measurement")
    parser.add_argument("--copies", type=int, default=4, help="copies of the shipped stacks for `check` of many stacks")
    args = parser.parse_args(argv)
    failures: list[str] = []
    stacks = engine.list_stacks(ROOT)
    print(f"om-secrets whole-process benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
          f"median of {args.repeat}, Python {sys.version.split()[0]}")

    print("\ncommands that need no Pulumi (floor: python -c pass, runs interleaved with each command's)")
    for label, extra in (("omsecrets --help", ["--help"]), ("omsecrets stacks", ["stacks"]),
                         ("omsecrets fernet generate", ["fernet", "generate"])):
        floor, m = measure_pair([PYTHON, "-c", "pass"], OMSECRETS + extra, args.repeat)
        row("python -c pass", floor)
        row(label, m, floor["cpu"], LIGHT_TARGET, failures)
        if label != "omsecrets fernet generate":  # new random keys every run
            same_output(OMSECRETS + extra, m["stdout"], failures)

    print("\ncommands that run the program (floor: importing the Pulumi classes they declare)")
    dev_floor, preview = measure_pair(import_floor(["dev"]), OMSECRETS + ["preview", "dev"], args.repeat)
    row("import Pulumi classes of dev", dev_floor)
    row("omsecrets preview dev", preview, dev_floor["cpu"], PULUMI_TARGET, failures)
    same_output(OMSECRETS + ["preview", "dev"], preview["stdout"], failures)
    all_floor, check = measure_pair(import_floor(stacks, ("pulumi_policy",)), OMSECRETS + ["check", "--format", "json"],
                                    args.repeat)
    row(f"import classes of {len(stacks)} stacks + policy", all_floor)
    row(f"omsecrets check ({len(stacks)} stacks)", check, all_floor["cpu"], PULUMI_TARGET, failures)
    same_output(OMSECRETS + ["check", "--format", "json"], check["stdout"], failures)

    with tempfile.TemporaryDirectory() as folder:
        project = many_stacks_project(Path(folder), stacks, args.copies)
        many = OMSECRETS + ["check", "--format", "json", "--project-dir", str(project)]
        print(f"\ncheck of {len(stacks) * args.copies} stacks ({args.copies} copies of each): default against --jobs 1")
        alone, default = measure_pair(many + ["--jobs", "1"], many, args.repeat)
        row("check --jobs 1", alone)
        row("check (default)", default)
        saved = 1 - default["wall"] / alone["wall"]
        verdict = "met" if saved >= WALL_SAVED_TARGET or (os.cpu_count() or 1) < 2 else "MISSED"
        print(f"  {'':<34} wall {saved:+.0%} saved, CPU {default['cpu'] / alone['cpu'] - 1:+.0%}  "
              f"target >= {WALL_SAVED_TARGET:.0%} saved: {verdict}")
        if verdict == "MISSED":
            failures.append(f"check of many stacks saved {saved:.0%} wall < {WALL_SAVED_TARGET:.0%}")
        if default["stdout"] != alone["stdout"]:
            failures.append("output differs: check of many stacks by default and with --jobs 1")

    if not args.no_scale:
        print("\nper bootstrap secret: median over rounds of (preview --json of N secrets - of 0, run just "
              "before it) / N, kubernetes provider")
        with tempfile.TemporaryDirectory() as folder:
            commands = {n: OMSECRETS + ["preview", f"bench{n}", "--config-file", str(kubernetes_stack(Path(folder), n)),
                                        "--json"] for n in [0, *args.sizes]}
            runs: dict[int, list] = {n: [] for n in commands}
            differences: dict[int, list[float]] = {n: [] for n in args.sizes}
            for n, command in commands.items():
                if run_once(command)[3] != 0:  # warm-up, and the stack must preview
                    raise SystemExit(f"the synthetic stack of {n} secrets does not preview: {' '.join(command)}")
            for _ in range(args.scale_repeat):  # every size in every round: the machine's drift falls on all
                for n in args.sizes:
                    for _ in range(SMALL_PAIRS if n < SMALL_SIZE else 1):  # the smallest differences: more pairs
                        empty, full = run_once(commands[0]), run_once(commands[n])
                        runs[0].append(empty)
                        runs[n].append(full)
                        differences[n].append(full[0] - empty[0])
            costs = {n: statistics.median(differences[n]) / n for n in args.sizes}
            for n, rs in runs.items():
                row(f"{n:,} secrets", {"cpu": statistics.median(r[0] for r in rs),
                                       "wall": statistics.median(r[1] for r in rs)})
                if n:
                    pairs = differences[n]
                    low, _, high = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else pairs * 3
                    print(f"  {'':<34} {costs[n] * 1000:.3f} ms CPU a secret ({len(pairs)} pairs, "
                          f"middle half {low / n * 1000:.3f}-{high / n * 1000:.3f} ms)")
            largest = args.sizes[-1]
            same_output(commands[largest], runs[largest][0][2], failures)
            spread = max(costs.values()) / min(costs.values())
            ok = spread <= SCALE_TARGET
            print(f"  per-secret cost spread {min(args.sizes)}..{max(args.sizes)}: {spread:.2f}x  "
                  f"target <= {SCALE_TARGET:.2f}x: {'met' if ok else 'MISSED'}")
            if not ok:
                failures.append(f"per-secret cost spread {spread:.2f}x > {SCALE_TARGET:.2f}x")

    print("\noutputs byte-identical with OMSECRETS_FAST=0: "
          + ("yes" if not any("differs" in f for f in failures) else "NO"))
    for failure in failures:
        print(f"FAILED: {failure}")
    print(json.dumps({"result": "met" if not failures else "missed", "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
