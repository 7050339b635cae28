from django.core.management.base import BaseCommand

from messages_app.services.search import reindex


class Command(BaseCommand):
    help = "메시지와 답변의 검색 색인(형태소 tsvector)을 다시 만듭니다. (Rebuild the Korean search index.)"

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="색인이 없는 것만 (only rows never indexed)")

    def handle(self, *args, missing=False, **options):
        messages, answers = reindex(only_missing=missing)
        self.stdout.write(f"메시지 {messages}건, 답변 {answers}건 색인 완료")
