import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext

from departments.models import Division, Membership
from users import roles

# A reserved demo domain (RFC 2606): nothing is ever delivered there.
DEMO_MAIL_DOMAIN = "seoul.example"

# (username, display name, role, division code or None, is division head)
DEMO_STAFF = [
    ("desk", "SMC 데스크 담당", roles.SMC_DESK, "new-media", False),
    ("traffic", "교통정책과 담당", roles.DIVISION_STAFF, "transport-policy", False),
    ("traffic_head", "교통정책과장", roles.DIVISION_HEAD, "transport-policy", True),
    ("road", "도로관리과 담당 (제설)", roles.DIVISION_STAFF, "road-management", False),
    ("housing", "주택정책과 담당", roles.DIVISION_STAFF, "housing-policy", False),
    ("mayor_office", "시장실 통계 담당", roles.MAYORS_OFFICE, None, False),
    # Emergency broadcasts: one drafts, another approves (nobody approves their own draft).
    ("alert_drafter", "긴급메시지 작성자 (SMC 데스크)", roles.BROADCAST_DRAFTER, None, False),
    ("alert_approver", "긴급메시지 승인자 (뉴미디어담당관)", roles.BROADCAST_APPROVER, None, False),
]


class Command(BaseCommand):
    help = ("데모용 직원 계정(SMC 데스크, 교통정책과, 도로관리과, 주택정책과, 시장실, "
            "긴급메시지 작성자·승인자)을 만듭니다. 비밀번호는 환경변수 SMC_DEMO_PASSWORD 에서 읽습니다.")

    def handle(self, *args, **options):
        password = os.environ.get("SMC_DEMO_PASSWORD", "")
        if len(password) < 8:
            raise CommandError(gettext("SMC_DEMO_PASSWORD 환경변수에 8자 이상의 비밀번호를 넣어 주세요."))
        User = get_user_model()
        with transaction.atomic():
            for username, name, role, division_code, is_head in DEMO_STAFF:
                user, _ = User.objects.update_or_create(
                    username=username, defaults={"display_name": name, "is_staff": True, "is_active": True,
                                                 # assignment and deadline e-mails (console backend by default)
                                                 "email": f"{username}@{DEMO_MAIL_DOMAIN}"})
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=role))
                if division_code:
                    Membership.objects.update_or_create(
                        user=user, division=Division.objects.get(code=division_code),
                        defaults={"is_head": is_head})
                self.stdout.write(f"{username}: {name} ({role})")
        self.stdout.write(self.style.SUCCESS("데모 직원 계정 준비 완료 — /admin/ 에서 로그인하세요."))
