"""The classifier's stored versions: saving, activation, rollback, the process's cache of the one in
use, and the retrain that makes a new version the one in use only if it is not worse.
`active_model()` is the one entry point for the rest of the project.
"""

import threading
from datetime import date

from django.db import transaction
from django.utils import timezone

from core import locks

from . import training
from .errors import NothingToRollBack as NothingToRollBack  # callers catch it here
from .model import Prediction, TrainedModel
from .models import ClassifierModel


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


def rollback() -> ClassifierModel:
    """Back to the newest version that was in use before the current one."""
    current = ClassifierModel.objects.filter(is_active=True).order_by("-created_at", "-pk").first()
    earlier = ClassifierModel.objects.filter(activated_at__isnull=False, is_active=False)
    if current is not None:
        earlier = earlier.filter(created_at__lte=current.created_at).exclude(pk=current.pk)
    previous = earlier.order_by("-created_at", "-pk").first()
    if previous is None:
        raise NothingToRollBack()
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
                    model = training.train(training.training_rows())
                    save_model(model, training.evaluate_heldout(model), note="첫 버전")
                    return model
        if _cache["key"] == key:
            return _cache["model"]
        payload = ClassifierModel.objects.values_list("payload", flat=True).get(pk=key[0])
        try:
            model = TrainedModel.loads(payload)
        except Exception:  # noqa: BLE001 - a payload from an older code version: retrain
            model = training.train(training.training_rows())
            save_model(model, training.evaluate_heldout(model), note="이전 형식의 모델을 다시 학습")
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


def retrain(folds: int = 0, force: bool = False,
            teaching: training.StaffTeaching | None = None) -> tuple[ClassifierModel, dict]:
    """Train a new version on everything (corpora, and the corrections and transfers `teaching`
    reads, by default the configured ones), measure it on the held-out set, and make it the one in
    use only if it is not worse than the one in use measured on the same set (or `force`).
    Cross-validation of the training rows too when folds >= 2."""
    teaching = teaching or training.StaffTeaching.configured()
    rows = training.training_rows(teaching.corrections(), teaching.transfers())
    model = training.train(rows)
    metrics = training.evaluate_heldout(model)
    if folds >= 2:
        metrics["cv"] = training.evaluate(rows, folds=folds)
    current_row, current = _current()
    if current_row is None or current is None:
        ok, note = True, "사용함 (비교할 사용 중 버전 없음)"
    else:
        before = training.evaluate_heldout(current)
        metrics["previous"] = {"version": current_row.version,
                               **{p[0]: {p[1]: training.figure(before, p)} for p, _l, _g in training.FIGURES}}
        ok, note = training.compare(metrics, before)
    if force and not ok:
        ok, note = True, "사용함 (강제): " + note
    metrics["activated"] = ok
    row = save_model(model, metrics, activate=ok, note=note)
    return row, metrics


def record_independent(figures: dict) -> ClassifierModel | None:
    """Keep the independent set's figures (classification.evaluation) with the version in use, under
    metrics["independent"], for the versions screen. None when no version is in use."""
    with transaction.atomic():
        row = (ClassifierModel.objects.select_for_update().filter(is_active=True)
               .order_by("-created_at", "-pk").first())
        if row is None:
            return None
        row.metrics = {**(row.metrics or {}), "independent": figures}
        row.save(update_fields=["metrics"])
    return row
