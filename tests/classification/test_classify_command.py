import io
import json

import pytest
from django.core.management import call_command

from classification import training, versions


@pytest.fixture
def stored_model(db):
    versions.save_model(training.train(training.corpus_rows()))


def test_classify_round_trip(stored_model):
    lines = ["2호선 강남역 에스컬레이터 고장났어요 빨리 고쳐주세요", "", "서울시 늘 응원합니다 감사해요❤️",
             "오늘 미세먼지 진짜 최악이네"]
    out = io.StringIO()
    call_command("classify", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    objs = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(objs) == 4  # one output line per input line, even for the empty one
    assert objs[0]["type"] == "complaint" and objs[0]["topic"] == "transport"
    assert 0 < objs[0]["confidence"] <= 1
    assert "error" in objs[1] and "type" not in objs[1]
    assert objs[2]["type"] == "support"
    assert objs[3]["topic"] == "environment"
    assert "미세먼지" not in out.getvalue()  # the text is not echoed
    assert "\\u" not in out.getvalue()  # ensure_ascii=False


def test_train_classifier_prints_metrics_and_stores_a_version(db):
    out = io.StringIO()
    call_command("train_classifier", "--folds", "2", stdout=out)
    text = out.getvalue()
    assert "교차검증" in text and "민원·제안 (complaint)" in text and "교통 (transport)" in text
    row = versions.ClassifierModel.objects.get(is_active=True)
    assert row.version in text
    assert row.metrics["topic"]["macro_f1"] > 0.5 and row.trained_on >= 2000
    assert row.metrics["cv"]["folds"] == 2 and row.metrics["evaluated_on"] == "heldout"
