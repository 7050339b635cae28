from django.core.management.base import BaseCommand

from classification import classifier
from departments.models import MessageType, Topic

LABELS = {**dict(MessageType.choices), **dict(Topic.choices)}


class Command(BaseCommand):
    help = ("분류 모델을 말뭉치와 직원 정정으로 다시 학습하고 교차검증 지표를 출력합니다. "
            "Retrain the classifier from the corpus plus staff corrections.")

    def add_arguments(self, parser):
        parser.add_argument("--folds", type=int, default=5,
                            help="교차검증 폴드 수 (0 = 검증 생략) / cross-validation folds (0 skips)")

    def handle(self, *args, folds, **options):
        row, metrics = classifier.retrain(folds=folds)
        out = self.stdout
        out.write(f"학습 데이터 {row.trained_on}건 / trained on {row.trained_on} rows")
        for head, title in (("type", "유형 / type"), ("topic", "주제 / topic")):
            m = metrics.get(head)
            if not m:
                continue
            out.write(f"\n[{title}] {metrics['folds']}-fold 교차검증 / cross-validation")
            out.write(f"  정확도 accuracy = {m['accuracy']:.3f}   macro-F1 = {m['macro_f1']:.3f}")
            for label, f1 in m["per_label_f1"].items():
                out.write(f"  {LABELS.get(label, label)} ({label}): F1 = {f1:.3f}")
        out.write(self.style.SUCCESS(f"\n새 모델 버전 / new model version: {row.version}"))
