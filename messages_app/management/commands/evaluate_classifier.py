"""manage.py evaluate_classifier: the active classifier and the real routing on the independent
evaluation set of issue 27 (aggregate and per-class figures only: the set is never read item by item)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from classification import evaluation, versions
from messages_app.services import evaluation as routed

AGGREGATES = [
    ("유형 정확도 / type accuracy", ("type", "accuracy"), "type"),
    ("격려·응원 재현율 / support recall", ("support_recall",), "support_recall"),
    ("주제 정확도 / topic accuracy", ("topic", "accuracy"), "topic"),
    ("부서 정확도 (실제 배정) / division accuracy (routed)", ("division", "accuracy"), "division"),
    ("다른 분야 계정으로 온 메시지의 첫 배정 정확도 / first-time-right, other field's account",
     ("other_field", "first_time_right"), "other_field_first_time_right"),
]

AUTOMATION_SCORES = {"routing_confidence": "배정 신뢰도 / routing confidence",
                     "division_confidence": "부서 분류 신뢰도 / division confidence"}


def _get(figures: dict, path: tuple[str, ...]):
    value = figures
    for key in path:
        value = value[key]
    return value


class Command(BaseCommand):
    help = ("사용 중인 분류 모델과 실제 배정을 독립 평가 세트로 측정합니다 (이슈 27). "
            "Measure the active classifier and the real routing on the independent evaluation set.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="기계가 읽는 JSON으로 출력 / print JSON")
        parser.add_argument("--store", action="store_true",
                            help="사용 중인 버전에 지표를 저장 (분류 모델 화면) / store with the active version")
        parser.add_argument("--limit", type=int, default=None, help="앞의 N건만 (시험용) / first N rows only")

    def handle(self, *args, **options):
        if options["store"] and options["limit"]:
            raise CommandError(_("--store는 세트 전체로만 씁니다 (--limit 없이)."))
        try:
            figures = routed.evaluate(limit=options["limit"])
        except routed.UnknownAccount as exc:
            raise CommandError(str(exc)) from exc
        if options["store"]:
            row = versions.record_independent(figures)
            figures["stored_with"] = row.version if row else None
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self._print(figures)

    def _print(self, f: dict) -> None:
        out = self.stdout.write
        out(f"독립 평가 세트 {f['rows']}건 / independent set, {f['rows']} rows")
        for name, path, goal in AGGREGATES:
            out(f"  {name}: {_get(f, path):.3f} (목표 / goal ≥ {f['goals'][goal]:.2f})")
        out(f"  (다른 분야 계정 메시지 {f['other_field']['rows']}건; "
            f"분류기 부서 예측만 / model's division alone: {f['division']['model_accuracy']:.3f})")
        out(f"\n자동 배정 기준: 데스크 없이 배정한 메시지의 부서 정확도 ≥ 95% / automation at 95% precision "
            f"(현재 SMC_TRIAGE_THRESHOLD {f['configured_threshold']:.2f})")
        for name, a in f["automation"].items():
            score = AUTOMATION_SCORES[name]
            if a["found"]:
                out(f"  {score} ≥ {a['threshold']:.3f}: 자동 배정 {a['share']:.1%} ({a['auto_routed']}건), "
                    f"정확도 {a['precision']:.3f} (목표 / goal ≥ 70%)")
            else:
                out(f"  {score}: 어떤 기준에서도 95%에 이르지 못함 / no threshold reaches 95%")
        at = f["at_threshold"]
        out(f"  현재 설정 SMC_TRIAGE_THRESHOLD {f['configured_threshold']:.2f}에서 자동 배정 / routed without the "
            f"desk at the configured threshold: {at['share']:.1%} ({at['auto_routed']}건), "
            f"정확도 / precision {at['precision']:.3f}")
        for head in ("type", "topic"):
            self._classes(head, f[head]["per_class"], evaluation.label)
            self._matrix(head, f[head]["labels"], f[head]["confusion"])
        self._classes("division", f["division"]["per_class"], str)
        if f.get("stored_with"):
            out(f"\n버전 {f['stored_with']}에 저장함 / stored with version {f['stored_with']}")

    def _classes(self, head: str, per_class: dict, name) -> None:
        self.stdout.write(f"\n{head}: 정밀도 / 재현율 / 건수 (precision / recall / support)")
        for label, v in per_class.items():
            self.stdout.write(f"  {name(label):<28} {v['precision']:.3f}  {v['recall']:.3f}  {v['support']:>4}")

    def _matrix(self, head: str, labels: list[str], matrix: list[list[int]]) -> None:
        self.stdout.write(f"\n{head} 혼동 행렬 (행: 정답, 열: 예측) / "
                          "confusion matrix (rows: true, columns: predicted)")
        self.stdout.write(" " * 28 + "".join(f"{i:>6}" for i in range(1, len(labels) + 1)))
        for i, (label, counts) in enumerate(zip(labels, matrix, strict=True), start=1):
            self.stdout.write(f"  {i}. {evaluation.label(label):<24}" + "".join(f"{c:>6}" for c in counts))
