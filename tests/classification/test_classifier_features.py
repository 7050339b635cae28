"""The classifier's fast feature path builds exactly the matrices sklearn's transform builds."""

import copy

import numpy as np
import pytest

from classification import features, training
from classification.model import _calibrated_proba
from textkit import korean

EDGE_TEXTS = ["", "   ", "A  b\u3000c\t\nD", "x", "#해시태그고장 ABC 😀 ㅋㅋㅋ",
              "지하철역에서 에어컨 고장!!! 고쳐 주세요 ㅠㅠ",
              "https://example.com @seoul 010-1234-5678 ZWJ 👨‍👩‍👧‍👦", "버스 " * 200]


@pytest.fixture(scope="module")
def model_and_pairs():
    rows = training.corpus_rows()
    model = training.train(rows[::3])  # a third of the corpus: the rest brings unseen words
    return model, korean.analyze_batch([r[0] for r in rows[1::3]] + EDGE_TEXTS)


def test_fast_transform_equals_sklearn_for_every_vectorizer(model_and_pairs):
    model, pairs_list = model_and_pairs
    docs = {
        id(model.type_vecs[0]): [features.tokens(p) for p in pairs_list],
        id(model.type_vecs[1]): [features.char_text(p) for p in pairs_list],
        id(model.topic_vecs[0]): [features.topic_terms(p) for p in pairs_list],
        id(model.topic_vecs[1]): [" ".join(features.topic_terms(p)) for p in pairs_list],
    }
    for vec in (*model.type_vecs, *model.topic_vecs):
        expected = vec.transform(docs[id(vec)])
        for _ in range(2):  # cold, then from the per-word cache
            got = features.transform(vec, docs[id(vec)])
            assert got.shape == expected.shape and got.nnz == expected.nnz > 0
            assert (got != expected).nnz == 0
    chars = model.type_vecs[1]
    expected = chars.transform(docs[id(chars)])
    for _ in range(2):  # the morphemes' n-grams cold, then cached
        got = features.char_matrix(chars, pairs_list)
        assert got.shape == expected.shape and got.nnz == expected.nnz > 0
        assert abs(got - expected).max() < 1e-12


def test_predictions_unchanged_by_the_fast_path(model_and_pairs, monkeypatch):
    model, pairs_list = model_and_pairs
    fast = model.predict_tokens(pairs_list)
    monkeypatch.setattr(features, "transform", lambda vec, docs: vec.transform(docs))
    assert model.predict_tokens(pairs_list) == fast


def test_fast_calibrated_probabilities_equal_sklearns(model_and_pairs):
    model, pairs_list = model_and_pairs
    xt, xc = model._x(pairs_list)
    rows = training.corpus_rows()
    # A binary head (two labels: sklearn keeps one score) and a multi-class one over the divisions.
    binary = training._fit_head(training._head(), xt[:len(rows[1::3])],
                                  [ty if ty == "complaint" else "other" for _, ty, _ in rows[1::3]],
                                  [1.0] * len(rows[1::3]))
    heads = [(model.type_head, xt), (model.topic_head, xc), (binary, xt)]
    if model.division_head is not None:
        heads.append((model.division_head, xc))
    for head, x in heads:
        expected = head.predict_proba(x)
        got = _calibrated_proba(head, x)
        assert got.shape == expected.shape and len(head.classes_) >= 2
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
        assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_other_calibrations_go_to_sklearn(model_and_pairs, monkeypatch):
    model, pairs_list = model_and_pairs
    xt, _ = model._x(pairs_list[:3])
    monkeypatch.setattr(model.type_head.calibrated_classifiers_[0], "method", "isotonic")
    calls = []
    monkeypatch.setattr(model.type_head, "predict_proba", lambda x: calls.append(x) or "sklearn's")
    assert _calibrated_proba(model.type_head, xt) == "sklearn's" and calls


@pytest.mark.parametrize("norm", ["l1", None])
def test_other_tfidf_norms_equal_sklearn(model_and_pairs, norm):
    model, pairs_list = model_and_pairs
    vec = copy.deepcopy(model.topic_vecs[1])
    vec.norm = vec._tfidf.norm = norm
    docs = [" ".join(features.topic_terms(p)) for p in pairs_list]
    got, expected = features.transform(vec, docs), vec.transform(docs)
    assert got.nnz == expected.nnz > 0 and abs(got - expected).max() < 1e-12


def _cues(text):
    return features.cues(korean.analyze(text))


def test_cue_words_of_every_spelling_share_one_token_per_kind():
    # Thanks and praise in slang, 초성, English and emoji: one token per kind, again when at the end.
    cues = _cues("ㄳㄳ 따릉이 최고 👍")
    assert {"<thanks>", "<praise>", "<praise>$"} <= set(cues)
    assert "<thanks>" in _cues("thx seoul") and "<thanks>" in _cues("고맙습니다")
    assert "<cheer>" in _cues("제설반 여러분 화이팅") and "<problem>" in _cues("엘리베이터 고장 ㅡㅡ")
    assert _cues("버스 타고 출근") == []
    # The cues follow the morphemes and their bigrams: no bigram is made with them.
    toks = features.tokens(korean.analyze("감사합니다"))
    assert toks[-2:] == ["<thanks>", "<thanks>$"] and not any("+<" in t for t in toks)


def test_benefactive_asked_or_done():
    # 고쳐 주세요 asks; 고쳐 주셨네요 and 고쳐주셔서 say it was done (thanks for it).
    assert "<asked>" in _cues("빨리 고쳐 주세요") and "<done-for-us>" not in _cues("빨리 고쳐 주세요")
    assert "<done-for-us>" in _cues("잘 고쳐 주셨네요") and "<asked>" not in _cues("잘 고쳐 주셨네요")
    assert {"<done-for-us>", "<thanks>"} <= set(_cues("안내판 고쳐주셔서 감사합니다"))


def test_became_better_or_worse():
    assert "<better>" in _cues("버스 배차가 빨라졌어요") and "<better>" in _cues("길이 깨끗해졌네요")
    assert "<worse>" in _cues("버스가 느려졌어요") and "<well-done>" in _cues("서울시 일 잘한다")


def test_the_type_head_sees_morphemes_and_characters_not_the_nouns(model_and_pairs):
    model, pairs_list = model_and_pairs
    xt, xc = model._x(pairs_list[:5])
    type_width = sum(len(v.vocabulary_) for v in model.type_vecs)
    assert xt.shape == (5, type_width)
    assert xc.shape == (5, type_width + sum(len(v.vocabulary_) for v in model.topic_vecs))
    assert (xc[:, :type_width] != xt).nnz == 0  # the same first columns: the topic heads see them too


def test_tokens_are_the_same_read_cold_or_from_the_morpheme_cache(model_and_pairs):
    _model, pairs_list = model_and_pairs
    features._morphemes.clear()
    cold = [features.tokens(p) for p in pairs_list]
    assert len(features._morphemes) > 100
    assert [features.tokens(p) for p in pairs_list] == cold
    toks = features.tokens(korean.analyze("#따릉이고장 https://example.com/a ㅋㅋㅋㅋ 5번 버스 Seoul"))
    assert {"<hashtag>", "#따릉이고장", "<url>", "ㅋㅋ", "<num>", "seoul/SL"} <= set(toks)
    assert "<hashtag>+#따릉이고장" in toks  # a hashtag's two tokens make a bigram like any others
