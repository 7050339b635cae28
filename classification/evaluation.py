"""The classifier measured on the independent evaluation set of issue 27 (tests/data/classifier_eval):
640 messages written and labelled by people who never saw the corpus or the model.

Never trained on, never tuned by reading its items: only aggregate and per-class figures leave this
module. The routing of each row (which needs the receiving account) is done by the caller, through
the real pipeline (messages_app's evaluate_classifier command); here: reading the set, the figures,
and the automation threshold.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from sklearn.metrics import precision_recall_fscore_support

from departments.models import MessageType, Topic

from .model import TOPICS, TYPES

EVAL_SET_PATH = Path(settings.BASE_DIR) / "tests" / "data" / "classifier_eval" / "messages.tsv"
TARGET_PRECISION = 0.95  # issue 27: auto-routed messages at least this often in the right division
# The goals of issue 27 on this set (printed beside the figures; test_evaluation_set.py asserts them).
GOALS = {"type": 0.92, "support_recall": 0.85, "topic": 0.88, "division": 0.80, "other_field_first_time_right": 0.75}
# Accounts of these fields have no subject of their own to be "another field" than; a district
# account's field is the district's administration.
_CENTRAL_FIELDS = {"general"}
_FIELD_AS_TOPIC = {"district": "administration"}


@dataclass(frozen=True)
class EvalRow:
    id: str
    account: str  # the handle the message was sent to
    text: str
    type: str
    topic: str
    division: str


def read_set(path: Path = EVAL_SET_PATH) -> list[EvalRow]:
    """The set's rows; a literal backslash-n in the file is a line break of the message."""
    with open(path, encoding="utf-8", newline="") as f:
        return [EvalRow(r["id"], r["account"], r["text"].replace("\\n", "\n"), r["type"], r["topic"], r["division"])
                for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def other_field(account_field: str, topic: str) -> bool:
    """Sent to the account of another field than the message's topic (central accounts excluded)."""
    if not account_field or account_field in _CENTRAL_FIELDS:
        return False
    return _FIELD_AS_TOPIC.get(account_field, account_field) != topic


@dataclass(frozen=True)
class Outcome:
    """What the real pipeline made of one row, at the configured threshold and when confident."""
    type: str
    topic: str
    confidence: float  # the routing confidence: the model's probability of the division routing chose
    model_division: str  # the classifier's own division head
    division_confidence: float  # and its confidence
    division: str  # where the routing sent it, at the configured threshold (the desk below it)
    division_if_confident: str  # the division routing chooses, before the threshold (its first division)
    desk_if_confident: bool  # the routing sent it to the SMC desk even when confident
    account_field: str
    automated: bool = False  # routed without the desk at the configured threshold


def _per_class(y_true: Sequence[str], y_pred: Sequence[str], labels: list[str]) -> dict:
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
                  "support": int(n[i])} for i, lab in enumerate(labels)}


def _accuracy(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    return round(sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / len(y_true), 4) if y_true else 0.0


def _confusion(y_true: Sequence[str], y_pred: Sequence[str], labels: list[str]) -> list[list[int]]:
    index = {lab: i for i, lab in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for a, b in zip(y_true, y_pred, strict=True):
        if a in index and b in index:
            matrix[index[a]][index[b]] += 1
    return matrix


# The scores a threshold may be put on: the routing confidence (the model's probability of the
# division routing chose: what SMC_TRIAGE_THRESHOLD routes on), and the division head's own confidence.
SCORES = {"routing_confidence": "confidence", "division_confidence": "division_confidence"}


def automation(rows: Sequence[EvalRow], outcomes: Sequence["Outcome"], score: str = "confidence",
               target: float = TARGET_PRECISION) -> dict:
    """The lowest threshold on `score` at which the messages routed without the desk (score at or
    above it, routed as a confident message, not to the desk) are at least `target` right
    (division), and their share of the set. Lower thresholds automate more, so the lowest that meets
    the target is the one to use; between two observed scores a threshold behaves as the upper one,
    so only those are tried."""
    scores = [float(getattr(o, score)) for o in outcomes]
    for t in sorted(set(scores) | {0.0}):
        auto = [(r, o) for r, o, s in zip(rows, outcomes, scores, strict=True) if s >= t and not o.desk_if_confident]
        if not auto:
            continue
        precision = sum(o.division_if_confident == r.division for r, o in auto) / len(auto)
        if precision >= target:
            return {"target_precision": target, "found": True, "threshold": round(t, 4),
                    "precision": round(precision, 4), "share": round(len(auto) / len(rows), 4),
                    "auto_routed": len(auto)}
    return {"target_precision": target, "found": False}


def at_threshold(rows: Sequence[EvalRow], outcomes: Sequence[Outcome]) -> dict:
    """The configured routing: the share routed without the desk and how often those are right."""
    auto = [(r, o) for r, o in zip(rows, outcomes, strict=True) if o.automated]
    right = sum(o.division == r.division for r, o in auto)
    return {"share": round(len(auto) / len(rows), 4) if rows else 0.0, "auto_routed": len(auto),
            "precision": round(right / len(auto), 4) if auto else 0.0}


def figures(rows: Sequence[EvalRow], outcomes: Sequence[Outcome]) -> dict:
    """Everything evaluate_classifier prints and stores: aggregates, per class, confusion matrices."""
    divisions = sorted({r.division for r in rows} | {o.division for o in outcomes})
    ty_true, ty_pred = [r.type for r in rows], [o.type for o in outcomes]
    to_true, to_pred = [r.topic for r in rows], [o.topic for o in outcomes]
    # The division routing chooses first (before the threshold sends the unsure ones to the desk):
    # what a division receives when the desk agrees, and what the automated part is made of.
    dv_true, dv_pred = [r.division for r in rows], [o.division_if_confident for o in outcomes]
    other = [(r, o) for r, o in zip(rows, outcomes, strict=True) if other_field(o.account_field, r.topic)]
    type_classes = _per_class(ty_true, ty_pred, TYPES)
    return {
        "evaluated_on": "independent", "rows": len(rows),
        "type": {"accuracy": _accuracy(ty_true, ty_pred), "per_class": type_classes,
                 "labels": TYPES, "confusion": _confusion(ty_true, ty_pred, TYPES)},
        "support_recall": type_classes[MessageType.SUPPORT.value]["recall"],
        "topic": {"accuracy": _accuracy(to_true, to_pred), "per_class": _per_class(to_true, to_pred, TOPICS),
                  "labels": TOPICS, "confusion": _confusion(to_true, to_pred, TOPICS)},
        "division": {"accuracy": _accuracy(dv_true, dv_pred),
                     "model_accuracy": _accuracy(dv_true, [o.model_division for o in outcomes]),
                     "per_class": _per_class(dv_true, dv_pred, divisions)},
        "other_field": {"rows": len(other),
                        "first_time_right": _accuracy([r.division for r, _ in other],
                                                      [o.division_if_confident for _, o in other])},
        "automation": {name: automation(rows, outcomes, attr) for name, attr in SCORES.items()},
        "at_threshold": at_threshold(rows, outcomes),
        "goals": GOALS,
    }


def label(value: str) -> str:
    """'격려·응원 (support)': Korean first."""
    names = {**dict(MessageType.choices), **dict(Topic.choices)}
    return f"{names[value]} ({value})" if value in names else value
