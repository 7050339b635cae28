from django.core.management.base import BaseCommand

from classification import training, versions
from departments.models import MessageType, Topic

LABELS = {**dict(MessageType.choices), **dict(Topic.choices)}


class Command(BaseCommand):
    help = ("분류 모델을 말뭉치, 직원 정정과 이관으로 다시 학습하고 보류 세트 지표를 출력합니다. 사용 중인 "
            "버전보다 나쁘지 않을 때만 사용합니다. Retrain on the corpora plus staff corrections and "
            "transfers, print the held-out figures; the new version is used only if it is not worse.")

    def add_arguments(self, parser):
        parser.add_argument("--folds", type=int, default=0,
                            help="학습 데이터 교차검증 폴드 수 (0 = 생략) / cross-validation folds (0 skips)")
        parser.add_argument("--force", action="store_true",
                            help="나빠도 새 버전을 사용 / activate the new version even if worse")

    def handle(self, *args, folds, force, **options):
        row, metrics = versions.retrain(folds=folds, force=force)
        out = self.stdout
        out.write(f"학습 데이터 {row.trained_on}건 / trained on {row.trained_on} rows")
        out.write(f"보류 세트 {metrics['heldout']}건 (학습에 쓰지 않음) / held-out set of {metrics['heldout']} "
                  f"messages, never trained on; {metrics['other_field']['rows']} sent to another field's account")
        for path, label, goal in training.FIGURES:
            value = training.figure(metrics, path)
            mark = "OK" if value is not None and value >= goal else "미달 / below goal"
            out.write(f"  {label} = {value:.3f}   (목표 goal ≥ {goal:.2f}: {mark})")
        for head, title in (("type", "유형 / type"), ("topic", "주제 / topic")):
            out.write(f"\n[{title}] 라벨별 F1 / per-label F1")
            for label, f1 in metrics[head]["per_label_f1"].items():
                out.write(f"  {LABELS.get(label, label)} ({label}): F1 = {f1:.3f}")
        cv = metrics.get("cv")
        if cv:
            out.write(f"\n{cv['folds']}-fold 교차검증 (학습 데이터) / cross-validation: "
                      f"type {cv['type']['accuracy']:.3f}, topic {cv['topic']['accuracy']:.3f}")
        if "previous" in metrics:
            prev = metrics["previous"]
            out.write(f"\n사용 중이던 버전 {prev['version']}: " + ", ".join(
                f"{p[0]} {training.figure(prev, p):.3f}" for p, _l, _g in training.FIGURES
                if training.figure(prev, p) is not None))
        style = self.style.SUCCESS if metrics["activated"] else self.style.WARNING
        out.write(style(f"\n새 모델 버전 / new model version: {row.version} — {row.note}"))
