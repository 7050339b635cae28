"""The simulated month at the desk (issue 27): arrivals made from the training corpus, routed by the
real pipeline, corrected by the real staff actions, and read back by the nightly retrain's readers."""

import pytest

from classification import training
from messages_app import training as inbox_training
from messages_app.models import LabelCorrection, Message
from messages_app.services import desk_replay, pipeline
from messages_app.services.pipeline import Label

pytestmark = pytest.mark.django_db


def test_the_month_is_made_of_corpus_rows_changed_and_sent_to_accounts(seeded):
    arrivals = desk_replay.month(200, seed=3)
    assert len(arrivals) == 200 and arrivals == desk_replay.month(200, seed=3)  # reproducible
    corpus = {r.text for r in training.division_rows()}
    assert sum(a.text in corpus for a in arrivals) < 100  # most differ from the corpus's own text
    other = sum(a.account.field != a.topic and a.account.field not in ("general", "district") for a in arrivals)
    assert 0.2 < other / len(arrivals) < 0.6  # sent to another field's account, as ~40% of real traffic
    assert {a.type for a in arrivals} == {"support", "complaint", "opinion"}


def test_the_desk_corrects_the_month_and_the_retrain_reads_it(seeded, monkeypatch):
    arrivals = desk_replay.month(30, seed=5)

    def everything_is_a_bus_complaint(texts, pairs, model=None):
        return [Label("complaint", "transport", 0.9, "sim", "bus-policy", 0.9, (("bus-policy", 0.9),))
                for _ in texts], 0.5

    monkeypatch.setattr(pipeline, "classify", everything_is_a_bus_complaint)
    counts = desk_replay.work_the_month(arrivals)
    wrong_division = [a for a in arrivals if a.division != "bus-policy"]
    wrong_label = [a for a in arrivals if (a.type, a.topic) != ("complaint", "transport")]
    assert counts["messages"] == 30 and counts["relabels"] == len(wrong_label) > 0
    # Every message ends in its true division, the wrong ones by a transfer.
    assert counts["transfers"] + counts["right_first_time"] == 30
    stored = list(Message.objects.filter(external_id__startswith="desk-replay-").order_by("pk")
                  .values_list("division__code", "type", "topic", "is_private", "is_simulated"))
    assert stored == [(a.division, a.type, a.topic, True, True) for a in arrivals]
    transfers = inbox_training.division_transfers()
    truth = {a.text: a.division for a in arrivals}
    # Transfers to the SMC desk (new-media's messages) say "not mine", so the retrain leaves them out.
    assert len(transfers) == sum(a.division != "new-media" for a in wrong_division)
    assert all(truth[text] == code for text, code in transfers)
    assert counts["transfers"] == len(wrong_division) > 0  # the model's sure bus-policy overrides every account
    assert LabelCorrection.objects.count() == len(wrong_label)
    rows = {r.text: r for r in training.training_rows()}
    for a in wrong_label:
        row = rows[a.text]
        assert (row.type, row.topic, row.weight) == (a.type, a.topic, training.CORRECTION_WEIGHT)
