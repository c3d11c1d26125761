"""Mutation check for the policy rules: every mutant of a rule must fail that rule's tests.

For each rule module in policies/rules/, every comparison operator, constant, boolean operator
and ``not`` in the rule's own code (and its ``level``, ``outside_production`` and
``resource_types``) is mutated one at a time: ``<`` -> ``<=``, ``is not True`` -> ``is False``,
``7`` -> ``8`` / ``6``, ``"service"`` -> ``"serviceX"``, ``a or b`` -> ``a and b`` / ``a`` / ``b``,
``not x`` -> ``x``. Docstrings, report messages (text inside ``report(...)`` and f-strings) and the
rule's descriptive metadata are left alone. Each mutant replaces the rule in
``omsecrets.policies.pack.RULES`` and ``tests/policies/test_<rule>.py`` runs against it in-process.
``--util`` also mutates the shared helpers (``_util.py``) against all rule tests.

    python tests/policies/mutants.py [RULE_MODULE ...] [--util] [--json]

Mutants listed in ``EQUIVALENT`` (with the reason they cannot change behaviour) are not run.
Exit status 1 if a mutant survives.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import io
import json
import signal
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "policies" / "rules"
TESTS_DIR = ROOT / "tests" / "policies"
PACKAGE = "omsecrets.policies.rules"
RULE_KWARGS = ("level", "outside_production", "resource_types")
SWAPS = {
    ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE), ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
TIMEOUT = 30

#: Mutants that cannot change behaviour, by (rule module, source line, column in it or None, mutation): why.
EQUIVALENT = {
    ("fernet_generation_retained", 'gone = sorted(k.rsplit("::", 1)[-1] for k in old_keys - present)', 29, "1 -> 2"):
        "the last part of rsplit is the same for any maxsplit >= 1",
    ("fernet_ring_valid", 'name = u.known_str(u.get(props, "metadata", "name")) or ""', 56, "'' -> 'X'"):
        "_STORE_NAME cannot match 'X' either",
    ("fernet_ring_valid", 'if _STORE_ID.search(u.known_str(u.get(props, "name")) or ""):', 57, "'' -> 'X'"):
        "_STORE_ID cannot match 'X' either",
    ("fernet_ring_valid", 'if _STORE_ID.search(u.known_str(u.get(props, "secretId")) or ""):', 61, "'' -> 'X'"):
        "_STORE_ID cannot match 'X' either",
    ("k8s_configmap_no_secret_values", 'data = u.get(args.props, "data") or {}', 7, "drop operand 2 of Or"):
        "the isinstance(data, dict) test below treats None like {}",
    ("k8s_no_cluster_secret_access", 'role = u.get(args.props, "roleRef") or {}', 7, "drop operand 2 of Or"):
        "the isinstance(role, dict) test below treats None like {}",
    ("k8s_secret_name_valid", "if not isinstance(name, str) or not u.is_dns_subdomain(name):", 3, "drop operand 1 of Or"):
        "conventions.is_dns_subdomain refuses non-strings itself",
    ("k8s_store_secret_labels", 'labels = u.get(args.props, "metadata", "labels") or {}', 9, "drop operand 2 of Or"):
        "the isinstance(labels, dict) test below treats None like {}",
    ("secret_required_tags",
     "missing = [t for t in required if not isinstance(tags, dict) or not (tags.get(t) or tags.get(t) is u.UNKNOWN)]",
     69, "drop operand 2 of Or"): "UNKNOWN is truthy, so `tags.get(t)` alone already accepts it",
    ("store_ids_unique", 'provider = resource.provider.urn if resource.provider is not None else ""', 71, "'' -> 'X'"):
        "any constant works as the no-provider key",
    ("store_names_follow_convention", 'labels = u.get(resource.props, "metadata", "labels") or {}', 9,
     "drop operand 2 of Or"): "the isinstance(labels, dict) test below treats None like {}",
    ("store_names_follow_convention",
     'PROVIDER_FOR = {t: core.providers_in(f)[0] for t, f in ((SM, "aws-sm"), (SSM, "aws-ssm"), (u.K8S_SECRET, "kubernetes"))}',
     None, "0 -> -1"): "every provider of a store family builds the same ids",
}


@dataclass
class Mutant:
    line: int
    col: int
    what: str
    tree: ast.Module = field(repr=False)


def _protected(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, report messages, f-strings, descriptive Rule metadata."""
    skip: set[int] = set()

    def cover(node: ast.AST) -> None:
        skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                cover(first)
        if isinstance(node, ast.JoinedStr):
            cover(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "report":
                for arg in node.args:
                    cover(arg)
            if node.func.id == "Rule":
                for kw in node.keywords:
                    if kw.arg not in RULE_KWARGS:
                        cover(kw.value)
            if node.func.id == "ValueError":  # error texts
                for arg in node.args:
                    cover(arg)
    return skip


def mutants(source: str) -> Iterator[Mutant]:
    """Every single-point mutant of ``source``."""
    tree = ast.parse(source)
    skip = _protected(tree)
    sites = [n for n in ast.walk(tree) if id(n) not in skip]
    for index, node in enumerate(sites):
        for what, apply in _operators(node):
            mutated = copy.deepcopy(tree)
            kept = _protected(mutated)
            target = [n for n in ast.walk(mutated) if id(n) not in kept][index]
            apply(target)
            yield Mutant(node.lineno, node.col_offset, what, ast.fix_missing_locations(mutated))


def _operators(node: ast.AST):
    """``(description, apply)`` pairs for ``node``; ``apply`` mutates the copied node in place."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            right = node.comparators[i]
            if isinstance(op, ast.IsNot) and isinstance(right, ast.Constant) and isinstance(right.value, bool):
                flipped = not right.value

                def is_flipped(n, i=i, flipped=flipped):
                    n.ops[i], n.comparators[i] = ast.Is(), ast.Constant(flipped)

                yield f"is not {right.value} -> is {flipped}", is_flipped
            for new in SWAPS.get(type(op), ()):
                def swap(n, i=i, new=new):
                    n.ops[i] = new()

                yield f"{type(op).__name__} -> {new.__name__}", swap
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield f"{value} -> {not value}", lambda n: setattr(n, "value", not n.value)
        elif isinstance(value, (int, float)):
            yield f"{value!r} -> {value + 1!r}", lambda n: setattr(n, "value", n.value + 1)
            yield f"{value!r} -> {value - 1!r}", lambda n: setattr(n, "value", n.value - 1)
        elif isinstance(value, str):
            yield f"{value!r} -> {value + 'X'!r}", lambda n: setattr(n, "value", n.value + "X")
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield f"{type(node.op).__name__} -> {other.__name__}", lambda n: setattr(n, "op", other())
        for i in range(len(node.values)):
            def drop(n, i=i):
                del n.values[i]  # a single operand left is unwrapped by _fix_single_operand

            yield f"drop operand {i + 1} of {type(node.op).__name__}", drop
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield "not x -> x", _drop_not


def _drop_not(node: ast.UnaryOp) -> None:
    """``not x`` -> ``bool(x)``."""
    operand = node.operand
    node.__class__ = ast.Call
    del node.op, node.operand
    node.func, node.args, node.keywords = ast.Name("bool", ast.Load()), [operand], []


def _fix_single_operand(tree: ast.Module) -> ast.Module:
    """A BoolOp left with one operand after ``drop`` becomes that operand."""

    class Fix(ast.NodeTransformer):
        def visit_BoolOp(self, node):
            self.generic_visit(node)
            return node.values[0] if len(node.values) == 1 else node

    return ast.fix_missing_locations(Fix().visit(tree))


# --------------------------------------------------------------------------- running


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"mutant ran longer than {TIMEOUT}s")


def _load(name: str, path: Path, tree: ast.Module) -> types.ModuleType:
    module = types.ModuleType(f"{PACKAGE}.{name}")
    module.__file__ = str(path)
    module.__package__ = PACKAGE
    exec(compile(_fix_single_operand(tree), str(path), "exec"), module.__dict__)
    return module


def _run_tests(tests: list[str]) -> bool:
    """True if the tests pass."""
    import pytest

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--no-header"])
    except _Timeout:
        return False
    finally:
        signal.alarm(0)
    return code == 0


def check_rule(name: str) -> dict:
    """Mutate rule module ``name``; returns counts and the survivors."""
    import importlib

    from omsecrets.policies import pack

    path = RULES_DIR / f"{name}.py"
    tests = [str(TESTS_DIR / f"test_{name}.py")]
    original = importlib.import_module(f"{PACKAGE}.{name}")
    rule_id = original.RULE.id
    assert _run_tests(tests), f"{tests[0]} fails on the unmutated rule"
    saved = pack.RULES
    killed, survivors, rejected, equivalent = 0, [], 0, []
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    try:
        for m in mutants(source):
            line = lines[m.line - 1]
            col = m.col - (len(line) - len(line.lstrip()))
            why = EQUIVALENT.get((name, line.strip(), col, m.what)) or EQUIVALENT.get((name, line.strip(), None, m.what))
            if why:
                equivalent.append(f"{name}.py:{m.line}: {m.what} ({why})")
                continue
            try:
                mutant = _load(name, path, m.tree).RULE
            except Exception:  # noqa: BLE001 e.g. Rule(level="mandatoryX") refuses to load: the pack import fails
                killed += 1
                rejected += 1
                continue
            pack.RULES = tuple(mutant if r.id == rule_id else r for r in saved)
            if _run_tests(tests):
                survivors.append(f"{name}.py:{m.line}: {m.what}")
            else:
                killed += 1
    finally:
        pack.RULES = saved
    return {"rule": name, "id": rule_id, "mutants": killed + len(survivors), "killed": killed,
            "rejected_at_load": rejected, "survivors": survivors, "equivalent": equivalent}


def check_util() -> dict:
    """Mutate the shared helpers (``_util``) against every rule's tests."""
    import importlib

    from omsecrets.policies import pack

    path = RULES_DIR / "_util.py"
    tests = sorted(str(p) for p in TESTS_DIR.glob("test_*.py") if p.name != "test_shipped_stacks.py")
    util = importlib.import_module(f"{PACKAGE}._util")
    modules = [importlib.import_module(f"{PACKAGE}.{p.stem}") for p in sorted(RULES_DIR.glob("[!_]*.py"))]
    killed, survivors = 0, []
    saved = pack.RULES
    try:
        for m in mutants(path.read_text(encoding="utf-8")):
            mutated = _load("_util", path, m.tree)
            rebuilt = []
            for module in modules:  # each rule module re-run with the mutated helpers as ``u``
                source = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
                fresh = types.ModuleType(module.__name__)
                fresh.__file__ = module.__file__
                package = sys.modules[PACKAGE]  # ``from ... import _util as u`` reads the package attribute
                sys.modules[f"{PACKAGE}._util"] = mutated
                package._util = mutated
                try:
                    exec(compile(source, module.__file__, "exec"), fresh.__dict__)
                finally:
                    sys.modules[f"{PACKAGE}._util"] = util
                    package._util = util
                rebuilt.append(fresh.RULE)
            pack.RULES = tuple(sorted(rebuilt, key=lambda r: r.id))
            if _run_tests(tests):
                survivors.append(f"_util.py:{m.line}: {m.what}")
            else:
                killed += 1
    finally:
        pack.RULES = saved
    return {"rule": "_util", "id": "-", "mutants": killed + len(survivors), "killed": killed,
            "rejected_at_load": 0, "survivors": survivors, "equivalent": []}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rules", nargs="*", help="rule modules (default: all)")
    parser.add_argument("--util", action="store_true", help="also mutate policies/rules/_util.py")
    parser.add_argument("--util-only", action="store_true", help="only mutate policies/rules/_util.py")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    names = args.rules or sorted(p.stem for p in RULES_DIR.glob("[!_]*.py"))
    started = time.perf_counter()
    results = [] if args.util_only else [check_rule(name) for name in names]
    if args.util or args.util_only:
        results.append(check_util())
    total = sum(r["mutants"] for r in results)
    killed = sum(r["killed"] for r in results)
    if args.json:
        print(json.dumps({"results": results, "mutants": total, "killed": killed}, indent=2))
    else:
        for r in results:
            print(f"{r['id']:<15} {r['rule']:<32} {r['killed']:>4}/{r['mutants']:<4} killed")
            for s in r["survivors"]:
                print(f"    SURVIVED {s}")
            for e in r["equivalent"]:
                print(f"    equivalent {e}")
        skipped = sum(len(r["equivalent"]) for r in results)
        print(f"rule mutants killed: {killed}/{total} ({100 * killed / max(total, 1):.1f}%), "
              f"{skipped} equivalent mutants not run, in {time.perf_counter() - started:.0f}s")
    return 0 if killed == total else 1


if __name__ == "__main__":
    sys.exit(main())
