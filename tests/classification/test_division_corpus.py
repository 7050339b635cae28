"""The division corpus and the goals of issue 14, on the held-out set the model never trains on."""

import io
import re

import pytest

from classification import training
from classification.model import TOPICS, TYPES
from departments.seed import ORG_CHART

DIVISIONS = {code for _b, _k, _e, divs in ORG_CHART for code, _ko, _en in divs}


def _grams(text):
    n = re.sub(r"[\W_]+", "", re.sub(r"https?://\S+|@\S+|#", " ", text.lower()))
    return {n[i:i + 3] for i in range(max(1, len(n) - 2))}


@pytest.fixture(scope="module")
def train_rows():
    return training.division_rows()


@pytest.fixture(scope="module")
def heldout():
    return training.heldout_rows()


@pytest.fixture(scope="module")
def model():
    # Corpora only: staff corrections and transfers (none in a fresh database) are tested elsewhere.
    return training.train(training.training_rows(corrections=[], transfers=[]))


@pytest.fixture(scope="module")
def figures(model, heldout):
    return training.evaluate_heldout(model, heldout)


def test_corpus_has_2000_messages_labelled_with_known_divisions(train_rows, heldout):
    assert len(train_rows) + len(heldout) >= 2000
    assert len(heldout) >= 0.15 * (len(train_rows) + len(heldout))
    for r in [*train_rows, *heldout]:
        assert r.division in DIVISIONS, r.division
        assert r.type in TYPES and r.topic in TOPICS
    assert len({r.division for r in train_rows}) >= 35


def test_about_40_percent_are_sent_to_an_account_of_another_field(heldout):
    share = sum(r.other_field for r in heldout) / len(heldout)
    assert 0.3 <= share <= 0.6, share


def test_corpus_reads_like_social_media(train_rows, heldout):
    texts = [r.text for r in [*train_rows, *heldout]]
    for marker in ("ㅋㅋ", "ㅠㅠ", "넘 ", "왤케", "#", "@", "https://", "따릉이", "120다산콜", "기후동행카드",
                   "청년수당", "손목닥터9988", "제설", "침수", "폭염", "미세먼지", "눈물", "버스킹", "불이 나게"):
        assert sum(marker in t for t in texts) >= 1, marker
    assert sum(len(t) > 120 for t in texts) >= 15  # long Facebook posts
    assert sum(len(t.split()) <= 2 for t in texts) >= 40  # two-word messages
    assert sum(bool(re.search(r"[a-zA-Z]{4,} [a-zA-Z]{4,}", t)) for t in texts) >= 40  # English mixed in


def test_no_held_out_message_is_a_near_duplicate_of_a_training_one(train_rows, heldout):
    train_grams = [_grams(r.text) for r in train_rows]
    train_grams += [_grams(t) for t, _ty, _to in training.corpus_rows()]
    for h in heldout:
        g = _grams(h.text)
        worst = max(len(g & t) / len(g | t) for t in train_grams)
        assert worst < 0.6, h.text
    held = {h.text.strip() for h in heldout}
    assert not held & {r.text.strip() for r in training.training_rows(corrections=[], transfers=[])}


def test_goals_on_the_held_out_set(figures):
    assert figures["type"]["accuracy"] >= 0.90, figures["type"]
    assert figures["topic"]["accuracy"] >= 0.85, figures["topic"]
    assert figures["division"]["accuracy"] >= 0.80, figures["division"]["accuracy"]
    assert figures["other_field"]["rows"] >= 100
    assert figures["other_field"]["division_accuracy"] >= 0.75, figures["other_field"]


def test_the_model_never_reads_the_receiving_account(model):
    a, b = model.predict(["@seoul_traffic 집주인이 보증금을 안 돌려줘요", "@seoul.rent 집주인이 보증금을 안 돌려줘요"])
    assert a.division == b.division == "rental-support"
    assert a.division_confidence == b.division_confidence


def test_train_classifier_prints_the_held_out_goals(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("train_classifier", stdout=out)
    text = out.getvalue()
    for label in ("유형 정확도", "주제 정확도", "부서 정확도", "다른 분야 계정으로 온 메시지의 부서 정확도"):
        line = next(x for x in text.splitlines() if x.strip().startswith(label))
        assert "OK" in line, line
    assert "보류 세트" in text and "새 모델 버전" in text


def test_the_command_rebuilds_exactly_the_stored_corpus(tmp_path):
    """manage.py build_division_corpus is deterministic: from corpus/raw it writes the two files
    that are committed, byte for byte."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("build_division_corpus", "--out", str(tmp_path), stdout=out)
    for name in ("divisions_train.tsv", "divisions_heldout.tsv"):
        assert (tmp_path / name).read_bytes() == (training.CORPUS_DIR / name).read_bytes(), name
    assert out.getvalue().startswith(f"{len(training.division_rows()) + len(training.heldout_rows())} messages")


def test_an_unknown_label_names_its_file_and_line(tmp_path):
    from classification import division_corpus

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_text("# a comment\nbus-policy c 버스가 안 와요\nno-such-division c 고쳐주세요\n",
                                            encoding="utf-8")
    with pytest.raises(division_corpus.CorpusError, match=r"a\.txt:3: unknown label 'no-such-division'"):
        division_corpus.build({}, corpus_dir=tmp_path)
    assert not (tmp_path / "divisions_train.tsv").exists()  # nothing half-written
