from collections import Counter

import pytest
from django.test import override_settings
from django.utils import timezone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from classification import features, training, versions
from classification.model import Prediction, TrainedModel, confidence_threshold
from classification.models import ClassifierModel
from messages_app.models import LabelCorrection, Message, MessageType, Topic
from textkit import korean


@pytest.fixture(scope="module")
def corpus():
    return training.corpus_rows()


@pytest.fixture(scope="module")
def split(corpus):
    # Stratified on type+topic with a fixed seed: the model below never sees `held_out`.
    strata = [f"{ty}/{to}" for _, ty, to in corpus]
    return train_test_split(corpus, test_size=0.25, random_state=2026, stratify=strata)


@pytest.fixture(scope="module")
def model(split):
    return training.train(split[0])


def test_corpus_is_large_varied_and_labelled(corpus):
    assert len(corpus) >= 700
    assert len({t for t, _, _ in corpus}) == len(corpus)  # no duplicate texts
    types = Counter(ty for _, ty, _ in corpus)
    topics = Counter(to for _, _, to in corpus)
    assert set(types) == set(MessageType.values)
    assert set(topics) == set(Topic.values)
    assert min(topics.values()) >= 40
    assert min(types.values()) / len(corpus) >= 0.25  # enough of each type to learn from
    # Written the way people write on SNS.
    texts = [t for t, _, _ in corpus]
    for marker in ("@", "#", "https://", "ㅋㅋ", "ㅠ"):
        assert sum(marker in t for t in texts) >= 10, marker


def test_quality_on_held_out_split(model, split):
    train_rows, held_out = split
    assert not {t for t, *_ in train_rows} & {t for t, *_ in held_out}
    preds = model.predict([t for t, _, _ in held_out])
    type_acc = accuracy_score([ty for _, ty, _ in held_out], [p.type for p in preds])
    topic_f1 = f1_score([to for _, _, to in held_out], [p.topic for p in preds], average="macro")
    assert type_acc >= 0.85, type_acc
    assert topic_f1 >= 0.75, topic_f1


def test_confidence_separates_right_from_wrong(model, split):
    held_out = split[1]
    preds = model.predict([t for t, _, _ in held_out])
    right = [p.confidence for p, (_, ty, to) in zip(preds, held_out, strict=True)
             if (p.type, p.topic) == (ty, to)]
    wrong = [p.confidence for p, (_, ty, to) in zip(preds, held_out, strict=True)
             if (p.type, p.topic) != (ty, to)]
    assert all(0.0 <= c <= 1.0 for c in right + wrong)
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.15


def test_predict_tokens_reuses_analysis(model):
    texts = ["지하철역 엘리베이터 고장났어요 고쳐주세요", "오늘 미세먼지 최악이네", "늘 감사합니다 서울시 화이팅"]
    assert model.predict_tokens(korean.analyze_batch(texts)) == model.predict(texts)
    assert model.predict([texts[0]])[0].type == "complaint"
    assert model.predict([texts[1]])[0].topic == "environment"
    assert model.predict([texts[2]])[0].type == "support"


def test_bad_input_gives_low_confidence_not_an_error(model):
    preds = model.predict(["", "\x00\x01\x02", "ㅋ" * 100_000])
    assert len(preds) == 3
    assert preds[0].confidence == 0.0 and preds[0].needs_triage
    # Nor a division it could be routed to without the desk.
    assert preds[0].division_confidence == 0.0 and all(p == 0.0 for _c, p in preds[0].division_scores)
    assert model.predict([]) == []


def test_serialisation_round_trip(model):
    texts = ["버스 배차간격 늘려주세요", "도서관 운영시간 감사해요"]
    again = TrainedModel.loads(model.dumps())
    assert again.predict(texts) == model.predict(texts)
    with pytest.raises(ValueError):
        TrainedModel.loads(__import__("pickle").dumps({"not": "a model"}))


def test_unknown_label_is_refused():
    with pytest.raises(ValueError, match="unknown label"):
        training.train([("버스가 안 와요", "complaint", "traffic")])


def test_evaluate_reports_both_heads_per_label(corpus):
    rows = corpus[:360]
    m = training.evaluate(rows, folds=3)
    assert m["rows"] == 360 and m["folds"] == 3
    for head, labels in (("type", MessageType.values), ("topic", Topic.values)):
        assert set(m[head]["per_label_f1"]) == set(labels)
        assert 0.5 < m[head]["accuracy"] <= 1.0
        assert 0.0 < m[head]["macro_f1"] <= 1.0


def test_threshold_follows_settings(model):
    with override_settings(SMC_TRIAGE_THRESHOLD=0.99):
        assert confidence_threshold() == 0.99
        assert Prediction("opinion", "other", 0.98).needs_triage
    with override_settings(SMC_TRIAGE_THRESHOLD=0.1):
        assert not Prediction("opinion", "other", 0.2).needs_triage


def _message(text, n=1):
    return Message.objects.create(platform="x", external_id=f"clf-{n}", text=text, posted_at=timezone.now())


def test_training_rows_let_corrections_win(db, corpus):
    text, ty, to = corpus[0]
    new_type = next(t for t in MessageType.values if t != ty)
    LabelCorrection.objects.create(message=_message(text), text=text, type=new_type, topic="other")
    rows = training.training_rows()
    assert len(rows) == len(training.training_rows(corrections=[], transfers=[]))  # replaced, not added
    mine = [r for r in rows if r.text == text]
    assert mine == [training.Row(text, new_type, "other", "", training.CORRECTION_WEIGHT)]


def test_retraining_with_a_correction_changes_that_prediction(db):
    text = "버스 정류장 의자가 부서졌어요 고쳐주세요 @seoulmania"
    before = versions.active_model()  # none stored yet: trains from the corpus and stores it
    assert ClassifierModel.objects.filter(is_active=True).count() == 1
    assert versions.active_model() is before  # cached in-process for that version
    old = before.predict([text])[0]
    assert (old.type, old.topic) == ("complaint", "transport")

    LabelCorrection.objects.create(message=_message(text), text=text, type="support", topic="welfare")
    row, metrics = versions.retrain(folds=0, force=True)  # one odd label may cost a held-out row
    assert ClassifierModel.objects.get(is_active=True) == row
    assert row.version != before.version
    after = versions.active_model()
    assert after.version == row.version
    new = after.predict([text])[0]
    assert (new.type, new.topic) == ("support", "welfare")
    # Learnt by the model itself, not only remembered for that exact text: the type head, and the
    # topic head (the topic is averaged with the division head's fields, which learn from transfers).
    after.corrections, topics = {}, after.division_topics
    learnt = after.predict([text])[0]
    after.division_topics = {}
    topic_head_alone = after.predict([text])[0]
    after.corrections, after.division_topics = TrainedModel.loads(row.payload).corrections, topics
    assert learnt.type == "support" and topic_head_alone.topic == "welfare"


def test_active_model_loads_a_stored_version(db, model):
    row = versions.save_model(model, {"note": "test"})
    versions._cache.update(key=None, model=None)  # as in a fresh process
    loaded = versions.active_model()
    assert loaded is not model and loaded.version == row.version
    assert loaded.predict(["한강 불꽃축제 최고"]) == model.predict(["한강 불꽃축제 최고"])


def test_training_rows_take_corrections_given_by_the_caller(corpus):
    text, ty, _ = corpus[0]
    rows = training.training_rows(corrections=[(text, ty, "other")], transfers=[])
    assert [r for r in rows if r.text == text] == [training.Row(text, ty, "other", "", training.CORRECTION_WEIGHT)]
    plain = training.training_rows(corrections=[], transfers=[])
    assert {r.text for r in plain} >= {t for t, _ty, _to in corpus}  # the legacy corpus, all of it


def staff_corrections_for_test():
    return [("버스 정류장 의자가 부서졌어요 고쳐주세요", "complaint", "transport")]


def staff_transfers_for_test():
    return [("버스 정류장 의자가 부서졌어요 고쳐주세요", "bus-policy")]


def test_training_rows_read_the_staff_teaching_named_in_settings(settings):
    text = staff_corrections_for_test()[0][0]
    settings.SMC_CLASSIFIER_CORRECTIONS = f"{__name__}.staff_corrections_for_test"
    settings.SMC_CLASSIFIER_TRANSFERS = f"{__name__}.staff_transfers_for_test"
    rows = [r for r in training.training_rows() if r.text == text]
    assert rows == [training.Row(text, "complaint", "transport", "bus-policy", training.TRANSFER_WEIGHT)]
    settings.SMC_CLASSIFIER_CORRECTIONS = settings.SMC_CLASSIFIER_TRANSFERS = ""  # nothing configured
    assert [r for r in training.training_rows() if r.text == text] == []
    teaching = training.StaffTeaching.configured()
    assert list(teaching.corrections()) == [] and list(teaching.transfers()) == []


@pytest.mark.parametrize("old_path", ["messages_app.classifier", "classification.classifier"])
def test_a_payload_pickled_under_an_old_module_path_still_loads(model, monkeypatch, old_path):
    """Versions stored before the move (messages_app.classifier) or before the split
    (classification.classifier, with the analyzer named _identity) name that module in their pickle."""
    import io
    import sys
    import types

    import joblib

    old = types.ModuleType(old_path)
    old.TrainedModel, old._identity = TrainedModel, features.identity
    monkeypatch.setitem(sys.modules, old_path, old)
    monkeypatch.setattr(TrainedModel, "__module__", old_path)
    monkeypatch.setattr(features.identity, "__module__", old_path)
    monkeypatch.setattr(features.identity, "__qualname__", "_identity")
    payload = model.dumps()
    monkeypatch.undo()
    sys.modules.pop(old_path, None)  # a fresh process: nothing aliased yet
    with pytest.raises(ModuleNotFoundError):  # the pickle does name the old module
        joblib.load(io.BytesIO(payload))
    loaded = TrainedModel.loads(payload)
    text = "지하철 에스컬레이터가 고장났어요 고쳐주세요"
    assert loaded.predict([text]) == model.predict([text])
