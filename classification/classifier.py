"""Message classification: type (support/complaint/opinion), topic and the division (과) whose field
the content belongs to, each with a confidence.

Features come from Kiwi morphemes (form/tag, plus morpheme bigrams so that request endings such as
고치/VV+어/EC+주/VX+세요/EF are seen together) and character n-grams over the morpheme forms
(robust to typos and slang). Three heads, calibrated linear SVMs: type over all morphemes; topic and
division over the nouns and hashtags (never the receiving account: routing weighs that separately).
Training data: the legacy corpus (type, topic), the division corpus (type, topic, division; its
held-out part is never trained on), and what staff do: label corrections and transfers.
The trained model is pickled into ClassifierModel.payload; `active_model()` is the one entry point
for the rest of the project.
"""

import csv
import io
import sys
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from scipy.sparse import hstack
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from core import locks
from core.errors import ApplicationError
from departments.models import MessageType, Topic
from textkit import korean

from .models import ClassifierModel

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPUS_PATH = CORPUS_DIR / "messages.tsv"
DIVISION_TRAIN_PATH = CORPUS_DIR / "divisions_train.tsv"
DIVISION_HELDOUT_PATH = CORPUS_DIR / "divisions_heldout.tsv"
FORMAT = 2  # bump when TrainedModel's pickled shape changes; older payloads are then retrained
TYPES = [c.value for c in MessageType]
TOPICS = [c.value for c in Topic]
# Staff corrections and transfers are few and authoritative: each counts as several corpus rows.
CORRECTION_WEIGHT = 5.0
TRANSFER_WEIGHT = 5.0


def confidence_threshold() -> float:
    return float(getattr(settings, "SMC_TRIAGE_THRESHOLD", 0.5))


def __getattr__(name):
    # classifier.CONFIDENCE_THRESHOLD is read from settings at each access (follows override_settings).
    if name == "CONFIDENCE_THRESHOLD":
        return confidence_threshold()
    raise AttributeError(name)


@dataclass(frozen=True)
class Prediction:
    type: str
    topic: str
    confidence: float
    division: str = ""  # a Division.code; "" when the model has no division head
    division_confidence: float = 0.0

    @property
    def needs_triage(self) -> bool:
        return self.confidence < confidence_threshold()


# ---------------------------------------------------------------------------------------- features

def _tokens(pairs) -> list[str]:
    toks: list[str] = []
    for form, tag in pairs:
        base = tag.split("-", 1)[0]
        if base == "W_URL":
            tok = "<url>"
        elif base == "W_MENTION":
            tok = "<mention>"
        elif base == "W_EMAIL":
            tok = "<email>"
        elif base == "W_HASHTAG":
            toks.append("<hashtag>")
            tok = "#" + form.lstrip("#").lower()
        elif base == "SN":
            tok = "<num>"
        elif base == "SW" and form and form[0] in "ㅋㅎㅠㅜ":
            tok = form[0] * 2  # ㅋㅋㅋㅋ and ㅋㅋ are the same signal
        elif base == "SL":
            tok = form.lower() + "/SL"
        else:
            tok = f"{form}/{base}"
        toks.append(tok)
    bigrams = [a + "+" + b for a, b in zip(toks, toks[1:], strict=False)]
    return toks + bigrams


def _char_text(pairs) -> str:
    # Forms without URLs and mentions: their characters say nothing about the message.
    skip = {"W_URL", "W_MENTION", "W_EMAIL"}
    return " ".join(f for f, t in pairs if t.split("-", 1)[0] not in skip)


def _identity(x):
    return x


def _key(pairs) -> str:
    """Normalised identity of a text, for remembering staff corrections of exactly that text."""
    skip = {"W_URL", "W_MENTION", "SF", "SP", "SS", "SE", "SO", "SW", "W_EMOJI"}
    return " ".join(f.lower() for f, t in pairs if t.split("-", 1)[0] not in skip)


# ------------------------------------------------------------------------------------------- model

_TOPIC_TAGS = {"NNG", "NNP", "XR", "SL", "SH", "W_HASHTAG"}


def _topic_terms(pairs) -> list[str]:
    # The topic lives in the nouns; endings and verbs (고치다, 감사하다) are shared by every topic.
    # korean.search_terms also splits compounds and hashtags (#지하철고장 -> 지하철, 고장).
    return korean.search_terms([(f, t) for f, t in pairs if t.split("-", 1)[0] in _TOPIC_TAGS])


# Per fitted char_wb vectorizer: each word's in-vocabulary n-gram indices. Words repeat across
# messages (버스, 고장, 주세요), so the n-grams of a word are cut and looked up once per process.
_word_ngrams: "weakref.WeakKeyDictionary[TfidfVectorizer, dict[str, tuple[int, ...]]]" = weakref.WeakKeyDictionary()


def _ngram_ids(word: str, vocabulary: dict, min_n: int, max_n: int) -> tuple[int, ...]:
    # The n-grams of sklearn's _char_wb_ngrams for one word, kept when they are in the vocabulary.
    w = " " + word + " "
    out = []
    for n in range(min_n, max_n + 1):
        if len(w) < n:  # a short word counts once, whole
            grams = [w]
        else:
            grams = [w[i:i + n] for i in range(len(w) - n + 1)]
        out.extend(vocabulary[g] for g in grams if g in vocabulary)
        if len(w) <= n:
            break
    return tuple(out)


def _transform(vec: TfidfVectorizer, docs: list) -> "sp.csr_matrix":
    """vec.transform(docs), the same matrix, built faster for the two analyzers used here:
    _identity (the docs are token lists) and "char_wb" (no per-word n-gram work)."""
    if vec.binary or vec.analyzer not in (_identity, "char_wb"):
        return vec.transform(docs)
    if vec.analyzer is _identity:
        vocabulary, indptr, indices = vec.vocabulary_, [0], []
        for tokens in docs:
            indices.extend(vocabulary[t] for t in tokens if t in vocabulary)
            indptr.append(len(indices))
        return _tfidf(vec, indices, indptr, len(docs))
    if vec.preprocessor is not None or vec.strip_accents or vec.tokenizer is not None:
        return vec.transform(docs)
    cache = _word_ngrams.setdefault(vec, {})
    if len(cache) > 200_000:  # bounded: a city's inbox has a vocabulary, not an unbounded one
        cache.clear()
    vocabulary, (min_n, max_n) = vec.vocabulary_, vec.ngram_range
    indptr, indices = [0], []
    for doc in docs:
        for word in (doc.lower() if vec.lowercase else doc).split():
            ids = cache.get(word)
            if ids is None:
                ids = cache[word] = _ngram_ids(word, vocabulary, min_n, max_n)
            indices.extend(ids)
        indptr.append(len(indices))
    return _tfidf(vec, indices, indptr, len(docs))


def _tfidf(vec: TfidfVectorizer, indices: list[int], indptr: list[int], n_docs: int) -> "sp.csr_matrix":
    # One entry per occurrence; sum_duplicates turns them into counts (in C, not in a Python loop).
    x = sp.csr_matrix((np.ones(len(indices), dtype=vec.dtype), np.asarray(indices, dtype=np.int32),
                       np.asarray(indptr, dtype=np.int32)), shape=(n_docs, len(vec.vocabulary_)))
    x.sum_duplicates()
    # vec._tfidf.transform(x), the same operations without its input validation, which cost more than
    # the arithmetic on a poll's few messages (four matrices per batch).
    tfidf = vec._tfidf
    if tfidf.norm not in ("l2", None):
        return tfidf.transform(x, copy=False)
    if tfidf.sublinear_tf:
        np.log(x.data, x.data)
        x.data += 1.0
    if hasattr(tfidf, "idf_"):
        x.data *= tfidf.idf_[x.indices]
    if tfidf.norm == "l2":
        inplace_csr_row_normalize_l2(x)
    return x


def _calibrated_proba(head: CalibratedClassifierCV, x) -> np.ndarray:
    """head.predict_proba(x), the same numbers, in a few array operations. sklearn applies each
    class's sigmoid through its own input validation (about half a millisecond a class), so a batch
    of one message cost tens of milliseconds whatever its size: the division head has a class per
    division, and a poll in a surge brings a few messages. Calibrations other than sigmoid go to sklearn."""
    total = np.zeros((x.shape[0], len(head.classes_)))
    for calibrated in head.calibrated_classifiers_:
        if calibrated.method != "sigmoid" or not hasattr(calibrated.estimator, "decision_function"):
            return head.predict_proba(x)
        scores = calibrated.estimator.decision_function(x)
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        a = np.array([c.a_ for c in calibrated.calibrators])
        b = np.array([c.b_ for c in calibrated.calibrators])
        sigmoid = expit(-(scores * a + b))
        n = len(calibrated.classes)
        # The column of each of the estimator's classes among the head's (sorted, as sklearn's LabelEncoder).
        columns = np.searchsorted(calibrated.classes, calibrated.estimator.classes_)
        proba = np.zeros((x.shape[0], n))
        if n == 2:  # one score, the second class's
            proba[:, columns[0] + 1] = sigmoid[:, 0]
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            proba[:, columns] = sigmoid
            total_p = proba.sum(axis=1)[:, np.newaxis]
            # A row every sigmoid gave zero is uniform, as in sklearn.
            proba = np.divide(proba, total_p, out=np.full_like(proba, 1 / n), where=total_p != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        total += proba
    return total / len(head.calibrated_classifiers_)


def _vectorizers():
    return (TfidfVectorizer(analyzer=_identity, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2))


@dataclass
class TrainedModel:
    type_vecs: tuple
    topic_vecs: tuple
    type_head: CalibratedClassifierCV
    topic_head: CalibratedClassifierCV
    division_head: CalibratedClassifierCV | None = None  # over the topic features
    corrections: dict[str, tuple[str, str]] = field(default_factory=dict)
    division_fixes: dict[str, str] = field(default_factory=dict)  # staff transfers of exactly that text
    trained_on: int = 0
    format: int = FORMAT
    version: str = ""

    def _x(self, pairs_list, fit=False):
        """Feature matrices (type, topic); fit=True only while training."""
        tok = [_tokens(p) for p in pairs_list]
        chars = [_char_text(p) for p in pairs_list]
        terms = [_topic_terms(p) for p in pairs_list]
        term_text = [" ".join(t) for t in terms]
        (a, b), (c, d) = self.type_vecs, self.topic_vecs
        if fit:
            return (hstack([a.fit_transform(tok), b.fit_transform(chars)]).tocsr(),
                    hstack([c.fit_transform(terms), d.fit_transform(term_text)]).tocsr())
        return (hstack([_transform(a, tok), _transform(b, chars)]).tocsr(),
                hstack([_transform(c, terms), _transform(d, term_text)]).tocsr())

    def predict_tokens(self, pairs_list: list[list[tuple[str, str]]]) -> list[Prediction]:
        """Predictions from korean.analyze_batch output (the ingest analyses once, uses twice)."""
        if not pairs_list:
            return []
        xt, xc = self._x(pairs_list)
        pt = _calibrated_proba(self.type_head, xt)
        pc = _calibrated_proba(self.topic_head, xc)
        pd = _calibrated_proba(self.division_head, xc) if self.division_head is not None else None
        out = []
        for i, pairs in enumerate(pairs_list):
            key = _key(pairs) if (self.corrections or self.division_fixes) else ""
            division, division_conf = "", 0.0
            if pd is not None:
                di = int(np.argmax(pd[i]))
                division, division_conf = str(self.division_head.classes_[di]), float(pd[i][di]) if pairs else 0.0
            if key in self.division_fixes:  # staff transferred exactly this text there
                division, division_conf = self.division_fixes[key], 1.0
            fixed = self.corrections.get(key) if self.corrections else None
            if fixed:  # a staff member labelled exactly this text
                out.append(Prediction(fixed[0], fixed[1], 1.0, division, round(division_conf, 4)))
                continue
            ti, ci = int(np.argmax(pt[i])), int(np.argmax(pc[i]))
            conf = float(min(pt[i][ti], pc[i][ci])) if pairs else 0.0
            out.append(Prediction(str(self.type_head.classes_[ti]), str(self.topic_head.classes_[ci]),
                                  round(conf, 4), division, round(division_conf, 4)))
        return out

    def predict(self, texts: list[str]) -> list[Prediction]:
        return self.predict_tokens(korean.analyze_batch(list(texts)))

    def dumps(self) -> bytes:
        buf = io.BytesIO()
        joblib.dump(self, buf, compress=3)
        return buf.getvalue()

    @staticmethod
    def loads(data: bytes) -> "TrainedModel":
        # Payloads pickled before this module moved from messages_app name it by its old path.
        sys.modules.setdefault("messages_app.classifier", sys.modules[__name__])
        model = joblib.load(io.BytesIO(bytes(data)))
        if not isinstance(model, TrainedModel) or model.format != FORMAT:
            raise ValueError("unsupported classifier payload")
        return model


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


def _head():
    # A linear SVM calibrated with a sigmoid on held-out folds, so that it yields probabilities
    # comparable with the thresholds; class_weight balanced: small divisions still count.
    return CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=3, method="sigmoid",
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
    # Type: morphemes and their bigrams (endings carry the type). Topic and division: the nouns,
    # compounds split, hashtags; the division head shares the topic features (one matrix per batch).
    model = TrainedModel(_vectorizers(), _vectorizers(), _head(), _head(), trained_on=len(pairs_list))
    xt, xc = model._x(pairs_list, fit=True)
    weights = [r.weight for r in rows]
    _fit_head(model.type_head, xt, [r.type for r in rows], weights)
    _fit_head(model.topic_head, xc, [r.topic for r in rows], weights)
    if len({r.division for r in rows if r.division}) >= 2:
        model.division_head = _fit_head(_head(), xc, [r.division for r in rows], weights)
    return model


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
                model.corrections[_key(p)] = (r.type, r.topic)
            if r.division:
                model.division_fixes[_key(p)] = r.division
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


# -------------------------------------------------------------------------------------------- data

def _read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["text"].strip()]


def corpus_rows(path: Path = CORPUS_PATH) -> list[tuple[str, str, str]]:
    """The legacy corpus: type and topic, no division."""
    return [(r["text"], r["type"], r["topic"]) for r in _read_tsv(path)]


def division_rows(path: Path = DIVISION_TRAIN_PATH) -> list[Row]:
    """The training part of the division corpus (corpus/build.py writes it from corpus/raw)."""
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
# messages) and registers their readers at start-up, so this package never imports messages_app
# (DESIGN: messages_app -> classification, never the reverse).
CorrectionSource = Callable[[], Iterable[tuple[str, str, str]]]
TransferSource = Callable[[], Iterable[tuple[str, str]]]
_correction_sources: list[CorrectionSource] = []
_transfer_sources: list[TransferSource] = []


def register_corrections(source: CorrectionSource) -> None:
    if source not in _correction_sources:
        _correction_sources.append(source)


def register_transfers(source: TransferSource) -> None:
    if source not in _transfer_sources:
        _transfer_sources.append(source)


def registered_corrections() -> list[tuple[str, str, str]]:
    return [row for source in _correction_sources for row in source()]


def registered_transfers() -> list[tuple[str, str]]:
    return [row for source in _transfer_sources for row in source()]


def training_rows(corrections: Iterable[tuple[str, str, str]] | None = None,
                  transfers: Iterable[tuple[str, str]] | None = None) -> list[Row]:
    """The legacy corpus, the division corpus, then staff corrections and transfers (by default
    those of the registered sources). A later row of the same text replaces the labels it carries
    (a correction keeps the text's division, a transfer its type and topic). Texts of the held-out
    set are never trained on, whoever brings them."""
    if corrections is None:
        corrections = registered_corrections()
    if transfers is None:
        transfers = registered_transfers()
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


# ------------------------------------------------------------------------------ stored versions

def next_version(today: date | None = None) -> str:
    today = today or date.today()
    prefix = today.strftime("%Y.%m.%d") + "-"
    taken = ClassifierModel.objects.filter(version__startswith=prefix).values_list("version", flat=True)
    n = max((int(v[len(prefix):]) for v in taken if v[len(prefix):].isdigit()), default=0)
    return f"{prefix}{n + 1}"


def save_model(model: TrainedModel, metrics: dict | None = None, activate: bool = True,
               note: str = "") -> ClassifierModel:
    """Store a new version. Activated, it becomes the one in use; the others stay for the record."""
    with transaction.atomic():
        locks.transaction_lock(locks.CLASSIFIER_VERSIONS)
        model.version = next_version()
        if activate:
            ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        row = ClassifierModel.objects.create(version=model.version, trained_on=model.trained_on,
                                             metrics=metrics or {}, payload=model.dumps(), is_active=activate,
                                             activated_at=timezone.now() if activate else None, note=note)
    if activate:
        _cache.update(key=(row.pk, row.version), model=model)
    return row


def activate(row: ClassifierModel) -> ClassifierModel:
    """Make `row` the one version in use (staff choosing a version, or a rollback)."""
    with transaction.atomic():
        locks.transaction_lock(locks.CLASSIFIER_VERSIONS)
        ClassifierModel.objects.exclude(pk=row.pk).filter(is_active=True).update(is_active=False)
        ClassifierModel.objects.filter(pk=row.pk).update(is_active=True, activated_at=timezone.now())
    row.refresh_from_db()
    return row


class NothingToRollBack(ApplicationError, ValueError):
    pass


def rollback() -> ClassifierModel:
    """Back to the newest version that was in use before the current one."""
    current = ClassifierModel.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    earlier = ClassifierModel.objects.filter(activated_at__isnull=False, is_active=False)
    if current is not None:
        earlier = earlier.filter(created_at__lte=current.created_at).exclude(pk=current.pk)
    previous = earlier.order_by("-created_at", "-pk").first()
    if previous is None:
        raise NothingToRollBack("되돌릴 이전 버전이 없습니다. / There is no earlier version to roll back to.")
    return activate(previous)


# Keyed by (pk, version): a pk is never reused, even when a transaction that created a row rolls back.
_cache: dict = {"key": None, "model": None}
_cache_lock = threading.Lock()


def _newest_active_key():
    return (ClassifierModel.objects.filter(is_active=True).order_by("-created_at", "-pk")
            .values_list("pk", "version").first())


def active_model() -> TrainedModel:
    """The newest active model, loaded once per process per version; trains one on first use."""
    key = _newest_active_key()
    if key is not None and _cache["key"] == key:
        return _cache["model"]
    with _cache_lock:
        if key is None:
            with transaction.atomic():
                locks.transaction_lock(locks.CLASSIFIER_VERSIONS)
                # Another process may have trained while we waited for the lock.
                key = _newest_active_key()
                if key is None:
                    model = train(training_rows())
                    save_model(model, evaluate_heldout(model), note="첫 버전")
                    return model
        if _cache["key"] == key:
            return _cache["model"]
        payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=key[0])
        try:
            model = TrainedModel.loads(payload)
        except Exception:  # noqa: BLE001 - a payload from an older code version: retrain
            model = train(training_rows())
            save_model(model, evaluate_heldout(model), note="이전 형식의 모델을 다시 학습")
            return model
        model.version = key[1]
        _cache.update(key=key, model=model)
        return model


def classify(texts: list[str]) -> list[Prediction]:
    return active_model().predict(texts)


def _current() -> tuple[ClassifierModel | None, TrainedModel | None]:
    row = ClassifierModel.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    if row is None:
        return None, None
    try:
        return row, TrainedModel.loads(row.payload)
    except Exception:  # noqa: BLE001 - a payload of an older code version: nothing to compare with
        return row, None


def retrain(folds: int = 0, force: bool = False) -> tuple[ClassifierModel, dict]:
    """Train a new version on everything (corpora, corrections, transfers), measure it on the
    held-out set, and make it the one in use only if it is not worse than the one in use measured
    on the same set (or `force`). Cross-validation of the training rows too when folds >= 2."""
    rows = training_rows()
    model = train(rows)
    metrics = evaluate_heldout(model)
    if folds >= 2:
        metrics["cv"] = evaluate(rows, folds=folds)
    current_row, current = _current()
    if current_row is None or current is None:
        ok, note = True, "사용함 (비교할 사용 중 버전 없음)"
    else:
        before = evaluate_heldout(current)
        metrics["previous"] = {"version": current_row.version,
                               **{p[0]: {p[1]: figure(before, p)} for p, _l, _g in FIGURES}}
        ok, note = compare(metrics, before)
    if force and not ok:
        ok, note = True, "사용함 (강제): " + note
    metrics["activated"] = ok
    row = save_model(model, metrics, activate=ok, note=note)
    return row, metrics
