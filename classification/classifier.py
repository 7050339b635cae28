"""Message classification: type (support/complaint/opinion) and topic, with a confidence.

Features come from Kiwi morphemes (form/tag, plus morpheme bigrams so that request endings such as
고치/VV+어/EC+주/VX+세요/EF are seen together) and character n-grams over the morpheme forms
(robust to typos and slang). Two heads: type (calibrated linear SVM) and topic (calibrated complement naive Bayes).
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
from django.db import connection, transaction
from scipy.sparse import hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from departments.models import MessageType, Topic
from textkit import korean

from .models import ClassifierModel

CORPUS_PATH = Path(__file__).resolve().parent / "corpus" / "messages.tsv"
FORMAT = 1  # bump when TrainedModel's pickled shape changes; older payloads are then retrained
TYPES = [c.value for c in MessageType]
TOPICS = [c.value for c in Topic]
# Staff corrections are few and authoritative: each counts as several corpus rows.
CORRECTION_WEIGHT = 5.0
_ADVISORY_LOCK = 0x534D43_01  # "SMC" + 1: one process trains the first model, the others wait


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
    return vec._tfidf.transform(x, copy=False)


def _vectorizers():
    return (TfidfVectorizer(analyzer=_identity, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2))


@dataclass
class TrainedModel:
    type_vecs: tuple
    topic_vecs: tuple
    type_head: CalibratedClassifierCV
    topic_head: CalibratedClassifierCV
    corrections: dict[str, tuple[str, str]] = field(default_factory=dict)
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
        pt = self.type_head.predict_proba(xt)
        pc = self.topic_head.predict_proba(xc)
        out = []
        for i, pairs in enumerate(pairs_list):
            fixed = self.corrections.get(_key(pairs)) if self.corrections else None
            if fixed:  # a staff member labelled exactly this text
                out.append(Prediction(fixed[0], fixed[1], 1.0))
                continue
            ti, ci = int(np.argmax(pt[i])), int(np.argmax(pc[i]))
            conf = float(min(pt[i][ti], pc[i][ci])) if pairs else 0.0
            out.append(Prediction(str(self.type_head.classes_[ti]), str(self.topic_head.classes_[ci]),
                                  round(conf, 4)))
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


def _fit(pairs_list, types, topics, weights=None) -> TrainedModel:
    # Type: a linear SVM over all morphemes and their bigrams (endings carry the type), calibrated
    # (sigmoid, on held-out folds) so that it yields probabilities; 5x faster than LR here.
    # Topic: complement naive Bayes over nouns, which beats LR on a corpus of this size; wrapped in a
    # sigmoid calibration so that its confidence can be compared with the triage threshold.
    model = TrainedModel(_vectorizers(), _vectorizers(),
                         CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3,
                                                method="sigmoid", ensemble=False),
                         CalibratedClassifierCV(ComplementNB(alpha=0.3), cv=3, method="sigmoid",
                                                ensemble=False),
                         trained_on=len(pairs_list))
    xt, xc = model._x(pairs_list, fit=True)
    w = np.asarray(weights, dtype=float) if weights is not None else None
    model.type_head.fit(xt, types, sample_weight=w)
    model.topic_head.fit(xc, topics, sample_weight=w)
    return model


def _split(rows):
    texts = [r[0] for r in rows]
    types = [r[1] for r in rows]
    topics = [r[2] for r in rows]
    weights = [r[3] if len(r) > 3 else 1.0 for r in rows]
    return texts, types, topics, weights


def _check_labels(rows):
    for r in rows:
        if r[1] not in TYPES or r[2] not in TOPICS:
            raise ValueError(f"unknown label in training row: {r[1]!r}/{r[2]!r}")


def train(rows) -> TrainedModel:
    """rows: (text, type, topic[, weight]). Rows with weight > 1 are staff corrections."""
    rows = list(rows)
    _check_labels(rows)
    texts, types, topics, weights = _split(rows)
    pairs_list = korean.analyze_batch(texts)
    model = _fit(pairs_list, types, topics, weights)
    model.corrections = {_key(p): (ty, to) for p, ty, to, w in zip(pairs_list, types, topics, weights,
                                                                   strict=True) if w > 1.0 and p}
    return model


def evaluate(rows, folds: int = 5, seed: int = 13) -> dict:
    """Stratified k-fold cross-validation (stratified on type+topic) of both heads."""
    rows = list(rows)
    _check_labels(rows)
    texts, types, topics, weights = _split(rows)
    pairs_list = korean.analyze_batch(texts)
    strata = [f"{a}/{b}" for a, b in zip(types, topics, strict=True)]
    # Rare type/topic pairs (fewer rows than folds) fall back to stratifying by topic alone.
    counts = {s: strata.count(s) for s in set(strata)}
    strata = [s if counts[s] >= folds else t for s, t in zip(strata, topics, strict=True)]
    true_ty, true_to, pred_ty, pred_to = [], [], [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, strata):
        model = _fit([pairs_list[i] for i in train_idx], [types[i] for i in train_idx],
                     [topics[i] for i in train_idx], [weights[i] for i in train_idx])
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

def corpus_rows(path: Path = CORPUS_PATH) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        return [(r["text"], r["type"], r["topic"]) for r in reader if r["text"].strip()]


# Where staff corrections come from: (text, type, topic) rows, oldest first. The inbox stores them
# (messages_app.LabelCorrection, tied to a Message) and registers its reader at start-up, so this
# package never imports messages_app (DESIGN: messages_app -> classification, never the reverse).
CorrectionSource = Callable[[], Iterable[tuple[str, str, str]]]
_correction_sources: list[CorrectionSource] = []


def register_corrections(source: CorrectionSource) -> None:
    if source not in _correction_sources:
        _correction_sources.append(source)


def registered_corrections() -> list[tuple[str, str, str]]:
    return [row for source in _correction_sources for row in source()]


def training_rows(corrections: Iterable[tuple[str, str, str]] | None = None) -> list[tuple]:
    """The shipped corpus plus staff corrections (by default those of the registered sources); a
    correction replaces a corpus row of the same text, and a later correction of a text replaces an
    earlier one."""
    if corrections is None:
        corrections = registered_corrections()
    rows: dict[str, tuple] = {text.strip(): (text, ty, to) for text, ty, to in corpus_rows()}
    for text, ty, to in corrections:
        if text.strip():
            rows[text.strip()] = (text, ty, to, CORRECTION_WEIGHT)
    return list(rows.values())


# ------------------------------------------------------------------------------ stored versions

def next_version(today: date | None = None) -> str:
    today = today or date.today()
    prefix = today.strftime("%Y.%m.%d") + "-"
    taken = ClassifierModel.objects.filter(version__startswith=prefix).values_list("version", flat=True)
    n = max((int(v[len(prefix):]) for v in taken if v[len(prefix):].isdigit()), default=0)
    return f"{prefix}{n + 1}"


def save_model(model: TrainedModel, metrics: dict | None = None) -> ClassifierModel:
    """Store a new active version; older versions stay for the record but are deactivated."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        model.version = next_version()
        ClassifierModel.objects.filter(is_active=True).update(is_active=False)
        row = ClassifierModel.objects.create(version=model.version, trained_on=model.trained_on,
                                             metrics=metrics or {}, payload=model.dumps(), is_active=True)
    _cache.update(key=(row.pk, row.version), model=model)
    return row


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
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
                # Another process may have trained while we waited for the lock.
                key = _newest_active_key()
                if key is None:
                    model = train(training_rows())
                    save_model(model)
                    return model
        if _cache["key"] == key:
            return _cache["model"]
        payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=key[0])
        try:
            model = TrainedModel.loads(payload)
        except Exception:  # noqa: BLE001 - a payload from an older code version: retrain
            model = train(training_rows())
            save_model(model)
            return model
        model.version = key[1]
        _cache.update(key=key, model=model)
        return model


def classify(texts: list[str]) -> list[Prediction]:
    return active_model().predict(texts)


def retrain(folds: int = 5) -> tuple[ClassifierModel, dict]:
    """Cross-validate, then train on everything and store it as the new active version."""
    rows = training_rows()
    metrics = evaluate(rows, folds=folds) if folds >= 2 else {}
    row = save_model(train(rows), metrics)
    return row, metrics
