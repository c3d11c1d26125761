"""Time ``omsecrets check``: preview vs. rules, for the shipped stacks and a 500-service stack.

    python benchmarks/check.py [--services 500] [--repeat 3]

Target: the rules take under 10% of the check.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthetic import kubernetes_stack  # noqa: E402  (benchmarks/ is the script's folder)

from omsecrets import check, engine  # noqa: E402


def measure(label: str, stack: str, config_file: str | None, repeat: int) -> tuple[float, float]:
    best = None
    for _ in range(repeat):
        report = check.check_stack(ROOT, stack, config_file=config_file)
        if report.error:
            raise SystemExit(f"{label}: {report.error}")
        run = (report.preview_seconds, report.rules_seconds, len(report.violations))
        best = run if best is None or sum(run[:2]) < sum(best[:2]) else best
    preview, rules, violations = best
    share = rules / (preview + rules) if preview + rules else 0.0
    print(f"{label:<28} preview {preview:7.3f}s  rules {rules:7.3f}s  rules share {share:6.1%}  violations {violations}")
    return preview, rules


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs per stack; the fastest is shown")
    args = parser.parse_args(argv)
    totals = [0.0, 0.0]
    for stack in engine.list_stacks(ROOT):
        preview, rules = measure(f"stack {stack}", stack, None, args.repeat)
        totals[0] += preview
        totals[1] += rules
    print(f"{'all shipped stacks':<28} preview {totals[0]:7.3f}s  rules {totals[1]:7.3f}s  "
          f"rules share {totals[1] / sum(totals):6.1%}")
    with tempfile.TemporaryDirectory() as folder:
        path = kubernetes_stack(Path(folder), args.services)
        preview, rules = measure(f"{args.services} services (kubernetes)", f"bench{args.services}", str(path), args.repeat)
    share = rules / (preview + rules)
    print(f"target rules share < 10%: {'met' if share < 0.10 else 'MISSED'} ({share:.1%} on {args.services} services)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
