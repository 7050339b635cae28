from django.apps import apps
from django.core.management.base import BaseCommand

from accounts.services import seed_registry
from departments.regulation import seed_regulation
from departments.routing import seed_rules
from departments.services import seed_org_chart
from messages_app.services.canned import seed_canned_answers
from users.roles import ensure_roles


class Command(BaseCommand):
    help = ("조직도, 역할, SNS 계정 44개, 배정 규칙과 처리규정, 부서별 자주 쓰는 답변, 긴급메시지 템플릿을 넣습니다. "
            "두 번 실행해도 결과는 같습니다.")

    def handle(self, *args, **options):
        ensure_roles()
        seed_org_chart()
        seed_registry()
        seed_rules()
        seed_regulation()
        seed_canned_answers()
        # Apps messages_app may not import (broadcast: hazard templates, a past exercise) seed themselves
        # through their AppConfig, so messages_app never imports them (.importlinter layers).
        for config in apps.get_app_configs():
            if callable(getattr(config, "seed", None)):
                config.seed()
        self.stdout.write(self.style.SUCCESS("seed 완료"))
