"""Training the classifier and measuring it: the training rows (the legacy corpus with type and
topic, the division corpus with its held-out part that is never trained on, and what staff teach:
label corrections and transfers), fitting the heads, cross-validation and the held-out figures a new
version is compared on.
"""

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from textkit import korean

from . import features
from .model import TOPICS, TYPES, TrainedModel

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPUS_PATH = CORPUS_DIR / "messages.tsv"
DIVISION_TRAIN_PATH = CORPUS_DIR / "divisions_train.tsv"
DIVISION_HELDOUT_PATH = CORPUS_DIR / "divisions_heldout.tsv"
# Staff corrections and transfers are few and authoritative: each counts as several corpus rows.
CORRECTION_WEIGHT = 5.0
TRANSFER_WEIGHT = 5.0
TYPE_C = 0.1


@dataclass(frozen=True)
class Row:
    """One training example. An empty label is unknown: a transfer says only the division, the
    legacy corpus has no division."""
    text: str
    type: str = ""
    topic: str = ""
    division: str = ""
    weight: float = 1.0


def as_row(r) -> Row:
    """A Row from a Row or a (text, type, topic[, weight]) tuple (the legacy shape)."""
    if isinstance(r, Row):
        return r
    return Row(r[0], r[1], r[2], "", float(r[3]) if len(r) > 3 else 1.0)


def _head(c: float = 1.0):
    # A linear SVM calibrated with a sigmoid on held-out folds, so that it yields probabilities
    # comparable with the thresholds; class_weight balanced: small divisions still count.
    # random_state: the dual solver's order is fixed, so one corpus always gives the same model.
    return CalibratedClassifierCV(LinearSVC(C=c, class_weight="balanced", random_state=0), cv=3, method="sigmoid",
                                  ensemble=False)


def _fit_head(head, x, labels, weights):
    """Fit on the rows that carry a label; a label with fewer rows than folds is repeated (a first
    transfer to a division must count, and calibration needs one row per fold)."""
    idx = [i for i, lab in enumerate(labels) if lab]
    counts: dict[str, int] = {}
    for i in idx:
        counts[labels[i]] = counts.get(labels[i], 0) + 1
    idx += [i for i in list(idx) for _ in range(max(0, 3 - counts[labels[i]]))]
    head.fit(x[idx], [labels[i] for i in idx], sample_weight=np.asarray([weights[i] for i in idx], dtype=float))
    return head


def _fit(pairs_list, rows: list[Row]) -> TrainedModel:
    # Every head sees the morphemes with their bigrams (endings carry the type), the character
    # n-grams (typos, slang) and the nouns (the topic and the division): one matrix per batch.
    # The type head more regularised (C=0.1): the endings and cues of thanks and requests generalise,
    # the rest of a row's words (its problem, its place) must not decide its type (issue 27).
    model = TrainedModel(features.vectorizers(), features.vectorizers(), _head(TYPE_C), _head(),
                         trained_on=len(pairs_list))
    xt, xc = model._x(pairs_list, fit=True)
    weights = [r.weight for r in rows]
    _fit_head(model.type_head, xt, [r.type for r in rows], weights)
    model.type_prior = class_shares(model.type_head.classes_, [r.type for r in rows], weights)
    _fit_head(model.topic_head, xc, [r.topic for r in rows], weights)
    if len({r.division for r in rows if r.division}) >= 2:
        model.division_head = _fit_head(_head(), xc, [r.division for r in rows], weights)
        model.division_topics = division_topics(rows)
    return model


def class_shares(classes, labels: list[str], weights: list[float]) -> tuple[float, ...]:
    """Each class's share of the (weighted) labelled rows, in `classes` order."""
    totals = Counter()
    for label, weight in zip(labels, weights, strict=True):
        if label:
            totals[label] += weight
    whole = sum(totals.values())
    return tuple(totals[str(c)] / whole for c in classes)


def division_topics(rows: list[Row]) -> dict[str, str]:
    """Each division's most frequent topic among the rows that carry both (its field, mostly)."""
    counts: dict[str, Counter] = {}
    for r in rows:
        if r.division and r.topic:
            counts.setdefault(r.division, Counter())[r.topic] += 1
    return {code: c.most_common(1)[0][0] for code, c in counts.items()}


def _check_labels(rows: list[Row]):
    for r in rows:
        if (r.type and r.type not in TYPES) or (r.topic and r.topic not in TOPICS):
            raise ValueError(f"unknown label in training row: {r.type!r}/{r.topic!r}")
        if (r.type == "") != (r.topic == ""):
            raise ValueError(f"a training row needs both type and topic, or neither: {r.text[:40]!r}")


def train(rows) -> TrainedModel:
    """rows: Row or (text, type, topic[, weight]). Rows with weight > 1 are staff corrections or
    transfers; the model also remembers them for exactly their text."""
    rows = [as_row(r) for r in rows]
    _check_labels(rows)
    pairs_list = korean.analyze_batch([r.text for r in rows])
    model = _fit(pairs_list, rows)
    for p, r in zip(pairs_list, rows, strict=True):
        if r.weight > 1.0 and p:
            if r.type:
                model.corrections[features.text_key(p)] = (r.type, r.topic)
            if r.division:
                model.division_fixes[features.text_key(p)] = r.division
    return model


def evaluate(rows, folds: int = 5, seed: int = 13) -> dict:
    """Stratified k-fold cross-validation (stratified on type+topic) of both heads."""
    rows = [as_row(r) for r in rows if as_row(r).type]
    _check_labels(rows)
    texts, types, topics = [r.text for r in rows], [r.type for r in rows], [r.topic for r in rows]
    pairs_list = korean.analyze_batch(texts)
    strata = [f"{a}/{b}" for a, b in zip(types, topics, strict=True)]
    # Rare type/topic pairs (fewer rows than folds) fall back to stratifying by topic alone.
    counts = {s: strata.count(s) for s in set(strata)}
    strata = [s if counts[s] >= folds else t for s, t in zip(strata, topics, strict=True)]
    true_ty, true_to, pred_ty, pred_to = [], [], [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, strata):
        model = _fit([pairs_list[i] for i in train_idx], [rows[i] for i in train_idx])
        preds = model.predict_tokens([pairs_list[i] for i in test_idx])
        true_ty += [types[i] for i in test_idx]
        true_to += [topics[i] for i in test_idx]
        pred_ty += [p.type for p in preds]
        pred_to += [p.topic for p in preds]
    return {"folds": folds, "rows": len(rows),
            "type": _scores(true_ty, pred_ty, TYPES), "topic": _scores(true_to, pred_to, TOPICS)}


def _scores(y_true, y_pred, labels) -> dict:
    per = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {"accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                             zero_division=0)), 4),
            "per_label_f1": {lab: round(float(v), 4) for lab, v in zip(labels, per, strict=True)}}


# ------------------------------------------------------------------------------------ the corpora

def _read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["text"].strip()]


def corpus_rows(path: Path = CORPUS_PATH) -> list[tuple[str, str, str]]:
    """The legacy corpus: type and topic, no division."""
    return [(r["text"], r["type"], r["topic"]) for r in _read_tsv(path)]


def division_rows(path: Path = DIVISION_TRAIN_PATH) -> list[Row]:
    """The training part of the division corpus (`manage.py build_division_corpus` writes it from corpus/raw)."""
    return [Row(r["text"], r["type"], r["topic"], r["division"]) for r in _read_tsv(path)]


@dataclass(frozen=True)
class HeldOut:
    text: str
    type: str
    topic: str
    division: str
    account_division: str  # the division owning the receiving account, "" for none or a central one
    other_field: bool  # sent to the account of another field than the division's


def heldout_rows(path: Path = DIVISION_HELDOUT_PATH) -> list[HeldOut]:
    """The held-out part: never trained on; every version is measured on it."""
    return [HeldOut(r["text"], r["type"], r["topic"], r["division"], r["account_division"],
                    r["other_field"] == "1") for r in _read_tsv(path)]


# What staff teach the model: label corrections (text, type, topic) and transfers (text, division
# code), oldest first. The inbox stores them (LabelCorrection rows, the transfer history of its
# messages); this package never imports messages_app (DESIGN: messages_app -> classification, never
# the reverse), so the readers are named in settings (SMC_CLASSIFIER_CORRECTIONS,
# SMC_CLASSIFIER_TRANSFERS: dotted paths of functions without arguments) or passed in.
CorrectionSource = Callable[[], Iterable[tuple[str, str, str]]]
TransferSource = Callable[[], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class StaffTeaching:
    corrections: CorrectionSource
    transfers: TransferSource

    @classmethod
    def configured(cls) -> "StaffTeaching":
        """The readers named in settings; a setting left empty reads nothing."""
        return cls(_configured_source("SMC_CLASSIFIER_CORRECTIONS"), _configured_source("SMC_CLASSIFIER_TRANSFERS"))


def _nothing() -> list:
    return []


def _configured_source(setting: str) -> Callable[[], Iterable]:
    path = getattr(settings, setting, "")
    return import_string(path) if path else _nothing


def training_rows(corrections: Iterable[tuple[str, str, str]] | None = None,
                  transfers: Iterable[tuple[str, str]] | None = None) -> list[Row]:
    """The legacy corpus, the division corpus, then staff corrections and transfers (by default
    what the configured StaffTeaching reads). A later row of the same text replaces the labels it
    carries (a correction keeps the text's division, a transfer its type and topic). Texts of the
    held-out set are never trained on, whoever brings them."""
    if corrections is None or transfers is None:
        teaching = StaffTeaching.configured()
        corrections = teaching.corrections() if corrections is None else corrections
        transfers = teaching.transfers() if transfers is None else transfers
    rows: dict[str, Row] = {}
    for text, ty, to in corpus_rows():
        rows[text.strip()] = Row(text, ty, to)
    for r in division_rows():
        rows[r.text.strip()] = r
    for text, ty, to in corrections:
        if text.strip():
            old = rows.get(text.strip(), Row(text))
            rows[text.strip()] = Row(text, ty, to, old.division, CORRECTION_WEIGHT)
    for text, division in transfers:
        if text.strip() and division:
            old = rows.get(text.strip(), Row(text))
            rows[text.strip()] = Row(text, old.type, old.topic, division, max(old.weight, TRANSFER_WEIGHT))
    held = {h.text.strip() for h in heldout_rows()}
    return [r for key, r in rows.items() if key not in held]


def evaluate_heldout(model: TrainedModel, rows: list[HeldOut] | None = None) -> dict:
    """The model's figures on the held-out set: type, topic, division, and division on the messages
    sent to an account of another field."""
    rows = heldout_rows() if rows is None else rows
    preds = model.predict([r.text for r in rows])
    divisions = sorted({r.division for r in rows})
    other = [(p, r) for p, r in zip(preds, rows, strict=True) if r.other_field]
    return {
        "evaluated_on": "heldout", "heldout": len(rows),
        "type": _scores([r.type for r in rows], [p.type for p in preds], TYPES),
        "topic": _scores([r.topic for r in rows], [p.topic for p in preds], TOPICS),
        "division": _scores([r.division for r in rows], [p.division for p in preds], divisions),
        "other_field": {"rows": len(other), "division_accuracy": round(
            sum(p.division == r.division for p, r in other) / len(other), 4) if other else 0.0},
    }


# The figures a new version must not be worse on (path in the metrics dict), with their goals.
FIGURES = [(("type", "accuracy"), "유형 정확도 / type accuracy", 0.90),
           (("topic", "accuracy"), "주제 정확도 / topic accuracy", 0.85),
           (("division", "accuracy"), "부서 정확도 / division accuracy", 0.80),
           (("other_field", "division_accuracy"),
            "다른 분야 계정으로 온 메시지의 부서 정확도 / division accuracy, other field's account", 0.75)]


def figure(metrics: dict, path: tuple[str, str]) -> float | None:
    value = (metrics or {}).get(path[0], {}).get(path[1])
    return float(value) if isinstance(value, int | float) else None


def compare(new: dict, old: dict, tolerance: float | None = None) -> tuple[bool, str]:
    """Is `new` not worse than `old` on every figure (within the tolerance of settings)? And why."""
    if tolerance is None:
        tolerance = float(getattr(settings, "SMC_RETRAIN_TOLERANCE", 0.0))
    worse = []
    for path, label, _goal in FIGURES:
        a, b = figure(new, path), figure(old, path)
        if a is not None and b is not None and a < b - tolerance:
            worse.append(f"{label.split(' / ')[0]} {a:.3f} < {b:.3f}")
    if worse:
        return False, "사용하지 않음 (이전 버전보다 나쁨): " + ", ".join(worse)
    return True, "사용함 (보류 세트에서 이전 버전보다 나쁘지 않음)"
