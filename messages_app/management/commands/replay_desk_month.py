"""manage.py replay_desk_month: a simulated month of the desk's corrections (transfers, relabels)
replayed into the nightly retrain, with the independent evaluation set's figures before and after
(issue 27). Everything is rolled back unless --keep."""

import json

from django.core.management.base import BaseCommand, CommandError

from messages_app.services import desk_replay
from messages_app.services import evaluation as routed

FIGURES = [("type", "유형 정확도 / type"), ("support_recall", "격려·응원 재현율 / support recall"),
           ("topic", "주제 정확도 / topic"), ("division", "부서 정확도 / division"),
           ("other_field_first_time_right", "다른 분야 계정 첫 배정 / first-time-right, other field")]


class Command(BaseCommand):
    help = ("모의 한 달치 데스크 수정(이관, 재분류)을 야간 재학습에 반영하고 독립 평가 세트로 전후를 잽니다. "
            "Replay a simulated month of desk corrections into the nightly retrain; "
            "independent-set figures before/after.")

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=600, help="모의 메시지 수 / simulated arrivals")
        parser.add_argument("--seed", type=int, default=27)
        parser.add_argument("--keep", action="store_true", help="결과를 남김 / keep messages and the new version")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["messages"] < 1:
            raise CommandError("--messages ≥ 1")
        try:
            result = desk_replay.replay(options["messages"], options["seed"], keep=options["keep"])
        except routed.UnknownAccount as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        m = result["month"]
        self.stdout.write(f"모의 한 달 / simulated month: {m['messages']}건, "
                          f"데스크 대기 / desk queue {m['desk_queue']}, 이관 / transfers {m['transfers']}, "
                          f"재분류 / relabels {m['relabels']}")
        used = "사용함 / put in use" if result["activated_by_retrain"] else "사용하지 않음 / not put in use"
        self.stdout.write(f"재학습 / retrain {result['version']}: {used} ({result['note']})")
        before, after = result["before"], result["after"]
        for key, name in FIGURES:
            self.stdout.write(f"  {name}: {before[key]:.3f} → {after[key]:.3f}")
        for label, a in (("before", before["automation"]), ("after", after["automation"])):
            share = f"{a['share']:.1%} (≥ {a['threshold']:.3f})" if a.get("found") else "-"
            self.stdout.write(f"  자동 배정 95% / automation at 95% ({label}): {share}")
