"""The independent evaluation set of issue 27 and `manage.py evaluate_classifier`.

The goals of the issue are asserted on the whole set (where one is not reached, the figure reached
is the floor: see REACHED). These tests read the set's labels and aggregate figures, never its texts.
"""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from classification import evaluation, training, versions
from classification.model import TOPICS, TYPES
from departments.seed import ORG_CHART
from messages_app.models import Message, StatusChange
from messages_app.services import evaluation as routed
from users.models import User

DIVISIONS = {code for _bureau, _ko, _en, divs in ORG_CHART for code, _k, _e in divs}
SLICE = 48


@pytest.fixture(scope="module")
def trained():
    """A model of the corpora alone (legacy and division corpus, no staff teaching), as the first version."""
    return training.train(training.training_rows(corrections=[], transfers=[]))


@pytest.fixture
def active(seeded, trained):
    return versions.save_model(trained, {"evaluated_on": "heldout"})


def test_the_set_is_big_enough_its_labels_valid_and_every_division_present():
    rows = evaluation.read_set()
    assert len(rows) >= 600
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.text.strip() for r in rows)
    assert {r.type for r in rows} == set(TYPES)
    assert {r.topic for r in rows} <= set(TOPICS)
    assert {r.division for r in rows} == DIVISIONS  # every division, and no unknown code
    assert min(sum(r.division == d for r in rows) for d in DIVISIONS) >= 10


def test_every_account_of_the_set_is_in_the_registry(seeded):
    handles = {r.account for r in evaluation.read_set()}
    accounts = routed.accounts_by_handle(handles)
    assert set(accounts) == handles
    assert all(a.status != "retired" for a in accounts.values())  # seoul_traffic is X's, not me2day's


def test_an_unknown_account_is_a_clear_error(seeded):
    with pytest.raises(routed.UnknownAccount, match="seoul_nowhere"):
        routed.accounts_by_handle({"seoul_bus", "seoul_nowhere"})


def test_rows_are_routed_by_the_real_pipeline_with_their_account(active):
    # Our own texts, not the set's: a rent problem sent to the traffic account goes where the content
    # says; an ambiguous message stays with the owner of the account it was sent to.
    rows = [evaluation.EvalRow("x1", "seoul_traffic", "집주인이 전세 보증금을 안 돌려줘요 전세사기 같아요",
                               "complaint", "housing", "rental-support"),
            evaluation.EvalRow("x2", "seoul_bus", "음", "opinion", "other", "bus-policy"),
            evaluation.EvalRow("x3", "seoul.senior", "음", "opinion", "other", "senior-welfare")]
    out = routed.route_set(rows)
    assert out[0].division_if_confident == "rental-support" and out[0].topic == "housing"
    assert out[1].division_if_confident == "bus-policy" and out[2].division_if_confident == "senior-welfare"
    # "음" is nobody's for sure: at the configured threshold it waits for the SMC desk.
    assert not out[1].automated and out[1].division == "new-media" and out[1].confidence < 0.5
    assert out[0].account_field == "transport" and evaluation.other_field("transport", "housing")
    assert not evaluation.other_field("general", "housing")  # the central accounts take every field
    assert evaluation.other_field("district", "transport") and not evaluation.other_field("district", "administration")


def _outcome(confidence, right, desk=False):
    return evaluation.Outcome(type="complaint", topic="transport", confidence=confidence,
                              model_division="bus-policy", division_confidence=confidence,
                              division="bus-policy" if right else "parking",
                              division_if_confident="bus-policy" if right else "parking",
                              desk_if_confident=desk, account_field="transport")


def test_the_automation_threshold_is_the_lowest_that_reaches_the_precision():
    rows = [evaluation.EvalRow(str(i), "seoul_bus", "t", "complaint", "transport", "bus-policy") for i in range(6)]
    # Scores 0.9 .. 0.4: right, right, wrong, right, wrong, right; the last one goes to the desk anyway.
    outcomes = [_outcome(0.9, True), _outcome(0.8, True), _outcome(0.7, False), _outcome(0.6, True),
                _outcome(0.5, False), _outcome(0.4, True, desk=True)]
    at_two_thirds = evaluation.automation(rows, outcomes, target=0.66)
    assert at_two_thirds == {"target_precision": 0.66, "found": True, "threshold": 0.6, "precision": 0.75,
                             "share": 0.6667, "auto_routed": 4}
    # Precision is not monotonic in the threshold: 0.75 at 0.6, 0.67 at 0.7, 1.0 at 0.8.
    assert evaluation.automation(rows, outcomes, target=0.8)["threshold"] == 0.8
    everything = evaluation.automation(rows, outcomes, target=0.6)
    assert everything["threshold"] == 0.0 and everything["auto_routed"] == 5  # the desk's row never counts
    assert evaluation.automation(rows, [_outcome(0.9, False)] * 6, target=0.95) == {"target_precision": 0.95,
                                                                                   "found": False}


def test_the_command_runs_end_to_end_on_a_slice(active):
    out = io.StringIO()
    call_command("evaluate_classifier", "--json", "--limit", str(SLICE), stdout=out)
    f = json.loads(out.getvalue())
    labels = evaluation.read_set()[:SLICE]
    assert f["rows"] == SLICE and f["evaluated_on"] == "independent"
    for head, truth in (("type", [r.type for r in labels]), ("topic", [r.topic for r in labels])):
        matrix = f[head]["confusion"]
        assert sum(map(sum, matrix)) == SLICE
        # Row sums are the true counts of each label; the diagonal is the accuracy.
        assert [sum(row) for row in matrix] == [truth.count(lab) for lab in f[head]["labels"]]
        assert sum(matrix[i][i] for i in range(len(matrix))) / SLICE == pytest.approx(f[head]["accuracy"], abs=1e-4)
        assert {k: v["support"] for k, v in f[head]["per_class"].items() if v["support"]} == \
            {lab: truth.count(lab) for lab in set(truth)}
    assert f["support_recall"] == f["type"]["per_class"]["support"]["recall"]
    assert 0 < f["division"]["accuracy"] <= 1 and 0 <= f["other_field"]["first_time_right"] <= 1
    assert f["other_field"]["rows"] == sum(
        evaluation.other_field(a.field, r.topic)
        for r in labels for a in [routed.accounts_by_handle({r.account})[r.account]])
    assert set(f["automation"]) == {"routing_confidence", "division_confidence"}
    at = f["at_threshold"]  # what the configured threshold routes without the desk
    assert 0 <= at["auto_routed"] <= SLICE and at["share"] == pytest.approx(at["auto_routed"] / SLICE, abs=1e-4)
    assert f["goals"]["type"] == 0.92
    assert not versions.ClassifierModel.objects.get(pk=active.pk).metrics.get("independent")  # not stored
    assert not Message.objects.exists() and not StatusChange.objects.exists()  # routed, never stored

    text = io.StringIO()
    call_command("evaluate_classifier", "--limit", "12", stdout=text)
    printed = text.getvalue()
    assert "유형 정확도 / type accuracy" in printed and "격려·응원 (support)" in printed
    assert printed.index("격려·응원 (support)") < printed.index("혼동 행렬")
    assert "자동 배정 기준" in printed


def test_figures_of_a_slice_are_never_stored(active):
    with pytest.raises(CommandError, match="--store"):
        call_command("evaluate_classifier", "--store", "--limit", "5", stdout=io.StringIO())
    assert "independent" not in versions.ClassifierModel.objects.get(pk=active.pk).metrics


def test_stored_figures_show_on_the_versions_screen(active, client):
    figures = routed.evaluate(limit=SLICE)
    figures["automation"]["routing_confidence"] = {"target_precision": 0.95, "found": True, "threshold": 0.7831,
                                                   "precision": 0.9521, "share": 0.4234, "auto_routed": 271}
    figures["configured_threshold"] = 0.7831
    figures["at_threshold"] = {"share": 0.4234, "auto_routed": 271, "precision": 0.9521}
    row = versions.record_independent(figures)
    assert row.pk == active.pk and row.metrics["evaluated_on"] == "heldout"  # the held-out figures stay
    client.force_login(User.objects.create_superuser("root", password="pw"))
    listing = client.get("/admin/classification/classifiermodel/").content.decode()
    assert "42.3% (≥ 0.783)" in listing
    assert f"{figures['type']['accuracy']:.3f} / {figures['topic']['accuracy']:.3f}" in listing
    detail = client.get(f"/admin/classification/classifiermodel/{row.pk}/change/").content.decode()
    assert f"독립 평가 세트 {SLICE}건" in detail and "배정 신뢰도 기준: 42.3% (≥ 0.783)" in detail
    assert "42.3% (≥ 0.783), 정확도 95.2%" in listing  # the configured threshold and what it routes


def test_store_without_a_version_in_use_stores_nothing(db):
    assert versions.record_independent({"rows": 1}) is None


# Issue 27's goals on the independent set, and the figures the model reached when it was chosen;
# a figure is asserted at its goal, or at what was reached where a goal is not reached yet (a floor:
# the model may not get worse). Every goal reached on 2026-12-07 (type 0.922 with 590 of 640 right:
# one message above the goal).
REACHED = {"type": 0.922, "support_recall": 0.909, "topic": 0.897, "division": 0.839,
           "other_field_first_time_right": 0.782, "automation_share": 0.727}
AUTOMATION_GOAL = 0.70


@pytest.mark.slow
def test_the_goals_of_issue_27_on_the_independent_set(active, settings):
    """The whole set through the real pipeline with the first version trained on the corpora, at the
    configured SMC_TRIAGE_THRESHOLD. Only aggregate figures are read."""
    f = routed.evaluate()
    reached = {"type": f["type"]["accuracy"], "support_recall": f["support_recall"], "topic": f["topic"]["accuracy"],
               "division": f["division"]["accuracy"],
               "other_field_first_time_right": f["other_field"]["first_time_right"],
               "automation_share": f["at_threshold"]["share"]}
    goals = {**evaluation.GOALS, "automation_share": AUTOMATION_GOAL}
    for name, value in reached.items():
        assert value >= min(goals[name], REACHED[name]), (name, value)
    # The configured threshold is one at which the automatically routed messages are >= 95% right.
    assert f["configured_threshold"] == settings.SMC_TRIAGE_THRESHOLD
    assert f["at_threshold"]["precision"] >= evaluation.TARGET_PRECISION
    best = f["automation"]["routing_confidence"]
    assert best["found"] and best["threshold"] <= settings.SMC_TRIAGE_THRESHOLD
