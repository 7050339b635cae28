from django.core.management.base import BaseCommand

from messages_app import demo


class Command(BaseCommand):
    help = ("직원 화면 시연용 메시지(시뮬레이션 표시)를 실제 처리 과정(분류·배정·처리 기한)으로 넣습니다. "
            "이미 있으면 건너뜁니다.")

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=360)
        parser.add_argument("--days", type=int, default=14)

    def handle(self, *args, n, days, **options):
        stored = demo.seed(n=n, days=days)
        if stored:
            self.stdout.write(f"시연용 메시지 {stored:,}건을 넣었습니다.")
        else:
            self.stdout.write("시연용 메시지가 이미 있습니다.")
