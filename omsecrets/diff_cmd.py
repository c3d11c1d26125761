"""``omsecrets diff STACK_A STACK_B``: how two environments' declarations differ.

Resources match by type and name with the environment part replaced by ``<env>`` (``dev-store-x``
and ``prod-store-x`` are both ``<env>-store-x``). Each difference is shown once, by meaning: lists
of objects are matched by their ``name`` (env vars), ``id``, ``Sid`` or ``key`` rather than by
position, and a component output that repeats a stack output (Helm values, references) is shown
only under the stack outputs. Secret values are ``[secret]`` on both sides and never compared by
value. Exit 1 when the stacks differ (``cli.EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from typing import Any, Optional

from omsecrets import cli, engine, term
from omsecrets.components.core import APP_CONFIG_FILES_OUTPUT, ENVIRONMENT_TYPE

ENV = "<env>"
ABSENT = "(absent)"
_OPTIONS = ("protect", "retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "additionalSecretOutputs",
            "dependsOn", "parent")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_COMPUTED = ("arn", "id", "name", "keyId", "uniqueId", "policyId", "versionId")
_LIST_KEYS = ("name", "id", "Sid", "key")  # list items matched by the first of these they all have
EPILOG = """\
examples:
  omsecrets diff staging prod
  omsecrets diff dev prod --json | jq '.changed[] | select(.options != {})'
  omsecrets diff dev staging --project-dir path/to/project
"""

Key = tuple[str, str]


def env_tokens(result: engine.PreviewResult) -> list[str]:
    """The stack name and every OpenMetadataSecrets ``environment``, longest first."""
    tokens = {result.stack}
    for component in result.by_type(ENVIRONMENT_TYPE):
        environment = engine.plain(component.inputs.get("environment"))
        if isinstance(environment, str) and environment:
            tokens.add(environment)
    return sorted(tokens, key=lambda t: (-len(t), t))


def normalize_name(name: str, tokens: Iterable[str]) -> str:
    """``name`` with each environment token, standing alone between separators, replaced by ``<env>``."""
    for token in tokens:
        name = re.sub(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", ENV, name)
    return name


def resource_keys(result: engine.PreviewResult) -> dict[str, Key]:
    """urn -> (type, normalized name); a name two resources share is prefixed with its parent's."""
    tokens = env_tokens(result)
    names = {r.urn: normalize_name(r.name, tokens) for r in result.resources}
    keys = {r.urn: (r.type, names[r.urn]) for r in result.resources}
    shared = {k for k in keys.values() if list(keys.values()).count(k) > 1}
    for r in result.resources:
        if keys[r.urn] in shared:
            keys[r.urn] = (r.type, f"{names.get(r.parent, '')}/{names[r.urn]}")
    return keys


def references(result: engine.PreviewResult, keys: dict[str, Key]) -> dict[str, str]:
    """Values the mock engine made up for a resource (ARNs, ids, auto-names) -> ``${type name.key}``.

    Kubernetes ids and values found in the resource's own inputs are declarations, not made up.
    """
    out = {}
    for r in result.resources:
        if r.type.startswith("kubernetes:"):
            continue
        declared = json.dumps(engine.plain(r.inputs))
        computed = {k: r.id if k == "id" else engine.plain(r.state.get(k)) for k in _COMPUTED}
        for name, value in computed.items():
            if isinstance(value, str) and len(value) >= 8 and value not in declared:
                out.setdefault(value, f"${{{' '.join(keys[r.urn])}.{name}}}")
    return out


def with_references(value: Any, refs: dict[str, str]) -> Any:
    """``value`` with every computed value (also inside strings) replaced by its reference."""
    if isinstance(value, dict):
        return {k: with_references(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [with_references(v, refs) for v in value]
    if isinstance(value, str):
        for computed in sorted((c for c in refs if c in value), key=len, reverse=True):
            value = value.replace(computed, refs[computed])
    return value


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Leaves of ``value`` by path (``a.b[0]``, ``labels["x.y/z"]``); JSON documents in strings are opened."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, dict) and value:
        out = {}
        for key in sorted(value):
            step = f".{key}" if _PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key)}]"
            out.update(flatten(value[key], (path + step).lstrip(".")))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        key = list_key(value)
        out = {}
        for i, item in enumerate(value):
            if key is None:
                out.update(flatten(item, f"{path}[{i}]"))
                continue
            rest = {k: v for k, v in item.items() if k != key}
            step = f"{path}[{json.dumps(item[key])}]"
            out.update(flatten(rest["value"] if set(rest) == {"value"} else rest, step) if rest else {step: None})
        return out
    return {path: value}


def list_key(items: list) -> Optional[str]:
    """The key that names each object of ``items`` (``name`` of env vars, ...), if they all have one, uniquely."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _LIST_KEYS:
        names = [i.get(key) for i in items]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            return key
    return None


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """``{path: (value in a, value in b)}`` for every differing leaf; missing leaves are ``(absent)``."""
    flat_a, flat_b = flatten(a), flatten(b)
    paths = sorted(set(flat_a) | set(flat_b))
    return {p: (flat_a.get(p, ABSENT), flat_b.get(p, ABSENT)) for p in paths
            if flat_a.get(p, ABSENT) != flat_b.get(p, ABSENT)}


def _options(resource: engine.CapturedResource, keys: dict[str, Key]) -> dict[str, Any]:
    """Comparable options: sets sorted, URNs replaced by their normalized keys."""
    options = dict(resource.options, parent=resource.parent)

    def ref(urn: Optional[str]) -> Optional[str]:
        return " ".join(keys[urn]) if urn in keys else None

    out = {k: options.get(k) for k in _OPTIONS}
    out["dependsOn"] = sorted(filter(None, map(ref, out["dependsOn"] or [])))
    out["parent"] = ref(out["parent"])
    for name in ("ignoreChanges", "additionalSecretOutputs"):
        out[name] = sorted(set(out[name] or []))
    return out


def diff_results(a: engine.PreviewResult, b: engine.PreviewResult) -> dict[str, Any]:
    """Resources only in a or b, changed inputs/options/outputs of matched ones, and changed stack outputs."""
    keys_a, keys_b = resource_keys(a), resource_keys(b)
    refs_a, refs_b = references(a, keys_a), references(b, keys_b)

    def values(value: Any, refs: dict[str, str]) -> Any:
        return with_references(engine.plain(value), refs)

    by_a = {keys_a[r.urn]: r for r in a.resources}
    by_b = {keys_b[r.urn]: r for r in b.resources}
    stack_a, stack_b = values(a.outputs, refs_a), values(b.outputs, refs_b)
    shown = _subtrees(stack_a, stack_b)
    changed = []
    for key in sorted(set(by_a) & set(by_b)):
        ra, rb = by_a[key], by_b[key]
        outputs_a, outputs_b = values(ra.outputs, refs_a), values(rb.outputs, refs_b)
        # the rendered app config files restate the settings every other difference already shows
        repeated = _repeated(outputs_a, outputs_b, shown) | {APP_CONFIG_FILES_OUTPUT}
        entry = {"type": key[0], "name": key[1],
                 "inputs": compare(values(ra.inputs, refs_a), values(rb.inputs, refs_b)),
                 "options": compare(_options(ra, keys_a), _options(rb, keys_b)),
                 "outputs": compare(_without(outputs_a, repeated), _without(outputs_b, repeated))}
        if entry["inputs"] or entry["options"] or entry["outputs"]:
            changed.append(entry)
    return {
        "a": a.stack, "b": b.stack,
        "onlyInA": [{"type": t, "name": n} for t, n in sorted(set(by_a) - set(by_b))],
        "onlyInB": [{"type": t, "name": n} for t, n in sorted(set(by_b) - set(by_a))],
        "changed": changed,
        "outputs": compare(stack_a, stack_b),
    }


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _subtrees(a: Any, b: Any) -> set[tuple[str, str]]:
    """(a, b) of every subtree pair at the same path of two stack outputs that differ."""
    found = set()
    if a != b:
        found.add((_key(a), _key(b)))
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            found |= _subtrees(a.get(k, ABSENT), b.get(k, ABSENT))
    return found


def _repeated(a: Any, b: Any, shown: set[tuple[str, str]]) -> set[str]:
    """Top-level output keys whose values (on both sides, or the whole outputs) repeat stack outputs."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return set()
    if a != b and (_key(a), _key(b)) in shown:
        return set(a) | set(b)
    return {k for k in set(a) | set(b)
            if a.get(k, ABSENT) != b.get(k, ABSENT) and (_key(a.get(k, ABSENT)), _key(b.get(k, ABSENT))) in shown}


def _without(value: Any, keys: set[str]) -> Any:
    return {k: v for k, v in value.items() if k not in keys} if isinstance(value, dict) else value


def count(diff: dict[str, Any]) -> int:
    """Differences: resources only on one side, changed resources, changed stack outputs."""
    return len(diff["onlyInA"]) + len(diff["onlyInB"]) + len(diff["changed"]) + len(diff["outputs"])


def _value(value: Any) -> str:
    if value in (ABSENT, engine.SECRET_TEXT):
        return value
    return json.dumps(value, ensure_ascii=False)


def _changes(section: str, changes: dict[str, tuple[Any, Any]], indent: str) -> list[str]:
    return [f"{indent}{section}.{path}: {_value(va)} -> {_value(vb)}" if path else
            f"{indent}{section}: {_value(va)} -> {_value(vb)}" for path, (va, vb) in changes.items()]


def format_diff(diff: dict[str, Any]) -> list[str]:
    """Text lines: ``-`` only in A, ``+`` only in B, ``~`` changed, with one line per differing leaf."""
    a, b = diff["a"], diff["b"]
    lines = [f"Comparing stack {a} (-) with stack {b} (+); names normalized to {ENV}"]
    sections = [(f"Only in {a}", diff["onlyInA"], "-", "red"), (f"Only in {b}", diff["onlyInB"], "+", "green")]
    for title, items, mark, colour in sections:
        if items:
            lines += ["", f"{title} ({len(items)}):"]
            lines += [term.paint(f"  {mark} {i['type']} {i['name']}", colour) for i in items]
    if diff["changed"]:
        lines += ["", f"Changed ({len(diff['changed'])}):"]
        for entry in diff["changed"]:
            lines.append(term.paint(f"  ~ {entry['type']} {entry['name']}", "yellow"))
            for section in ("inputs", "options", "outputs"):
                lines += _changes(section, entry[section], "      ")
    if diff["outputs"]:
        lines += ["", f"Stack outputs ({len(diff['outputs'])}):"] + _changes("outputs", diff["outputs"], "  ~ ")
    if len(lines) == 1:
        lines.append("no differences")
    else:
        lines += ["", f"{len(diff['onlyInA'])} only in {a}, {len(diff['onlyInB'])} only in {b}, "
                      f"{len(diff['changed'])} changed, {len(diff['outputs'])} stack output(s) changed"]
    return lines


def _json_ready(diff: dict[str, Any]) -> dict[str, Any]:
    def pairs(changes):
        return {p: {k: v for k, v in (("a", va), ("b", vb)) if v != ABSENT} for p, (va, vb) in changes.items()}

    changed = [{**e, **{s: pairs(e[s]) for s in ("inputs", "options", "outputs")}} for e in diff["changed"]]
    summary = {"onlyInA": len(diff["onlyInA"]), "onlyInB": len(diff["onlyInB"]), "changed": len(changed),
               "outputs": len(diff["outputs"]), "differences": count(diff)}
    return {**diff, "changed": changed, "outputs": pairs(diff["outputs"]), "summary": summary}


def load_previews(args: argparse.Namespace, stacks: list[str]) -> list[engine.PreviewResult]:
    """Preview each stack in turn (progress on stderr when it is a TTY)."""
    results = []
    for n, stack in enumerate(stacks, 1):
        term.progress(n, len(stacks), f"previewing {stack}")
        results.append(cli.load_preview(argparse.Namespace(stack=stack, project_dir=args.project_dir,
                                                            config_file=None)))
    return results


def cmd_diff(args: argparse.Namespace) -> int:
    a, b = load_previews(args, [args.stack_a, args.stack_b])
    diff = diff_results(a, b)
    if args.json:
        sys.stdout.write(json.dumps(_json_ready(diff), indent=2, ensure_ascii=False) + "\n")
    else:
        print("\n".join(format_diff(diff)))
    return cli.EXIT_FINDINGS if count(diff) else cli.EXIT_OK


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "diff", help=cli.command_help("diff"),
        description="Preview two stacks offline and print the resources only in one of them and, for the "
                    "others, the inputs, options and outputs that differ, each difference once (lists matched "
                    "by name or id; outputs that repeat a stack output only under the stack outputs). Secret "
                    "values are never compared. Exit 1 when the stacks differ, 0 when they do not.",
        epilog=EPILOG + "\n" + cli.EXIT_CODES, formatter_class=cli.HelpFormatter)
    parser.add_argument("stack_a", metavar="STACK_A", help="first stack (shown as -)")
    parser.add_argument("stack_b", metavar="STACK_B", help="second stack (shown as +)")
    parser.add_argument("--project-dir", metavar="DIR", help="directory with Pulumi.yaml")
    parser.add_argument("--json", action="store_true", help="print the differences as JSON")
    cli.add_debug_argument(parser)
    parser.set_defaults(func=cmd_diff)
    return parser
