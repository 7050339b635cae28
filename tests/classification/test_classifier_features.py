"""The classifier's fast feature path builds exactly the matrices sklearn's transform builds."""

import pytest

from classification import classifier
from textkit import korean

EDGE_TEXTS = ["", "   ", "A  b\u3000c\t\nD", "x", "#해시태그고장 ABC 😀 ㅋㅋㅋ",
              "지하철역에서 에어컨 고장!!! 고쳐 주세요 ㅠㅠ",
              "https://example.com @seoul 010-1234-5678 ZWJ 👨‍👩‍👧‍👦", "버스 " * 200]


@pytest.fixture(scope="module")
def model_and_pairs():
    rows = classifier.corpus_rows()
    model = classifier.train(rows[::3])  # a third of the corpus: the rest brings unseen words
    return model, korean.analyze_batch([r[0] for r in rows[1::3]] + EDGE_TEXTS)


def test_fast_transform_equals_sklearn_for_every_vectorizer(model_and_pairs):
    model, pairs_list = model_and_pairs
    docs = {
        id(model.type_vecs[0]): [classifier._tokens(p) for p in pairs_list],
        id(model.type_vecs[1]): [classifier._char_text(p) for p in pairs_list],
        id(model.topic_vecs[0]): [classifier._topic_terms(p) for p in pairs_list],
        id(model.topic_vecs[1]): [" ".join(classifier._topic_terms(p)) for p in pairs_list],
    }
    for vec in (*model.type_vecs, *model.topic_vecs):
        expected = vec.transform(docs[id(vec)])
        for _ in range(2):  # cold, then from the per-word cache
            got = classifier._transform(vec, docs[id(vec)])
            assert got.shape == expected.shape and got.nnz == expected.nnz > 0
            assert (got != expected).nnz == 0


def test_predictions_unchanged_by_the_fast_path(model_and_pairs, monkeypatch):
    model, pairs_list = model_and_pairs
    fast = model.predict_tokens(pairs_list)
    monkeypatch.setattr(classifier, "_transform", lambda vec, docs: vec.transform(docs))
    assert model.predict_tokens(pairs_list) == fast
