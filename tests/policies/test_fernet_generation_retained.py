"""OMS-FERNET-004 fernet-generation-retained: never add a primary and delete a generation in one update."""

import json

import pytest

from tests.support import rules as h

RULE = "OMS-FERNET-004"
RING, KEY = "om-secrets:fernet:FernetKeyRing", "random:index/randomBytes:RandomBytes"


def ring(**props):
    return h.node(RING, props, name="prod-airflow-fernet")


def flagged(*resources, **config):
    return h.messages(RULE, h.stack(*resources, **config))


# ------------------------------------------------------------- without a baseline: the ring's inputs


@pytest.mark.parametrize("props", [
    {"generations": [1], "application": "airflow"},
    {"generations": [2, 1], "application": "airflow"},
    {"generations": [3, 2], "application": "airflow", "reencryptedTo": 2},
    {"generations": [3], "application": "airflow", "reencryptedTo": 3},
    {"generations": [3.0], "reencryptedTo": 3.0},
], ids=["first", "two", "dropped-below-reencrypted", "only-primary", "floats"])
def test_retained(props):
    assert flagged(ring(**props)) == []


@pytest.mark.parametrize("props, lost", [
    ({"generations": [3, 1], "application": "airflow"}, "2"),
    ({"generations": [3], "application": "airflow"}, "1, 2"),
    ({"generations": [3], "reencryptedTo": 2}, "2"),
    ({"generations": [4, 1], "reencryptedTo": 2}, "2, 3"),
], ids=["gap", "all-dropped", "boundary", "partly-reencrypted"])
def test_dropped_too_early(props, lost):
    [message] = flagged(ring(**props))
    assert message.startswith(f"ring prod-airflow-fernet {props['generations']} drops generation(s) {lost}, ")
    done = "reencryptedTo is not set" if "reencryptedTo" not in props else f"reencryptedTo is {props['reencryptedTo']}"
    assert f"({done}): values encrypted with it would be lost" in message


def test_outputs_alone_are_not_judged():
    assert flagged(ring(generations=[3])) == []  # no reencryptedTo/application: not the ring's inputs


@pytest.mark.parametrize("props", [{"generations": h.UNKNOWN, "application": "x"}, {"generations": "3,1", "application": "x"}],
                         ids=["unknown", "not-a-list"])
def test_unusable_generations(props):
    assert flagged(ring(**props)) == []


# ------------------------------------------------------------- with a baseline


RING_URN = h.urn(RING, "prod-airflow-fernet")
GEN1 = h.urn(KEY, "prod-airflow-fernet-gen-1", [RING])


def baseline(primary_props):
    return {"resources": [
        {"type": RING, "urn": RING_URN, "inputs": primary_props},
        {"type": KEY, "urn": GEN1, "parent": RING_URN},
        {"type": KEY, "urn": h.urn(KEY, "elsewhere"), "parent": "urn:other"},
    ]}


def key(name="prod-airflow-fernet-gen-1", parent=None):
    return h.node(KEY, {}, name=name, parent=parent)


@pytest.mark.parametrize("shape", ["preview", "export", "checkpoint"])
def test_primary_changed_and_old_key_deleted(shape):
    doc = baseline({"generations": [1]})
    doc = {"preview": doc, "export": {"deployment": doc}, "checkpoint": {"checkpoint": {"latest": doc}}}[shape]
    [message] = flagged(ring(generations=[2]), baseline=doc)
    assert message.startswith("ring prod-airflow-fernet: this update makes generation 2 primary (was 1) and deletes "
                              "prod-airflow-fernet-gen-1 in the same update")


def test_baseline_from_a_file(tmp_path):
    path = tmp_path / "before.json"
    path.write_text(json.dumps(baseline({"generations": [1]})))
    assert len(flagged(ring(generations=[2]), baseline=str(path))) == 1


def test_primary_generation_prop():
    assert len(flagged(ring(primaryGeneration=2), baseline=baseline({"primaryGeneration": 1, "generations": [2]}))) == 1
    assert flagged(ring(primaryGeneration=1), baseline=baseline({"primaryGeneration": 1, "generations": [2]})) == []


def test_baseline_outputs_count_when_inputs_lack_them():
    doc = baseline({})
    del doc["resources"][0]["inputs"]
    doc["resources"][0]["outputs"] = {"primaryGeneration": 1}
    assert len(flagged(ring(generations=[2]), baseline=doc)) == 1


def test_baseline_primary_is_the_first_generation():
    # [2, 1] had primary 2; [2] keeps it (deleting gen-1 without a new primary is not this rule's finding)
    assert flagged(ring(generations=[2]), baseline=baseline({"generations": [2, 1]})) == []


def test_only_key_children_count():
    doc = baseline({"generations": [1]})
    doc["resources"][1]["type"] = "kubernetes:core/v1:Secret"
    assert flagged(ring(generations=[2]), baseline=doc) == []


def test_current_primary_unknown():
    assert flagged(ring(), baseline=baseline({"generations": [1]})) == []


@pytest.mark.parametrize("doc", [{"resources": []}, {"deployment": {}}, {}], ids=["no-resources", "empty-deployment", "empty"])
def test_empty_baselines(doc):
    assert flagged(ring(generations=[2]), baseline=doc) == []


def test_empty_baseline_file(tmp_path):
    path = tmp_path / "before.json"
    path.write_text("null")
    assert flagged(ring(generations=[2]), baseline=str(path)) == []


def test_old_key_kept():
    r = ring(generations=[2, 1])
    assert flagged(r, key(parent=r), baseline=baseline({"generations": [1]})) == []


def test_key_deleted_without_a_new_primary():
    assert flagged(ring(generations=[1]), baseline=baseline({"generations": [1]})) == []


@pytest.mark.parametrize("before", [{}, {"generations": []}], ids=["no-props", "no-generations"])
def test_baseline_primary_unknown(before):
    assert flagged(ring(generations=[2]), baseline=baseline(before)) == []


def test_ring_not_in_baseline():
    doc = baseline({"generations": [1]})
    doc["resources"][0]["urn"] += "-renamed"
    assert flagged(ring(generations=[2]), baseline=doc) == []


def test_mandatory_outside_production_too():
    found = h.findings(RULE, h.stack(ring(generations=[3], application="a"), production=False))
    assert [f.level for f in found] == ["mandatory"]
