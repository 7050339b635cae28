"""`manage.py backfill_places [--all] [--batch N]`: set the district and neighbourhood of stored messages.

Messages ingested before the place recogniser have no district. Each batch is analysed once with
Kiwi (as the ingest does), located with textkit.places and written by one UPDATE; running it again
changes nothing (the same text gives the same place). By default only messages without a district
are looked at; --all recomputes every message (after the gazetteer was corrected).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from messages_app.db import bulk_update_messages
from messages_app.models import Message
from textkit import korean, places


class Command(BaseCommand):
    help = "저장된 메시지의 자치구·행정동을 채웁니다 (backfill the district and neighbourhood of messages)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="모든 메시지를 다시 계산 (recompute every message)")
        parser.add_argument("--batch", type=int, default=1000, help="한 번에 처리할 메시지 수 (batch size)")

    def handle(self, *args, **options):
        size = options["batch"]
        if size < 1:
            raise CommandError(_("--batch는 1 이상이어야 합니다."))
        todo = Message.objects.all() if options["all"] else Message.objects.filter(district="")
        total = todo.count()
        self.stdout.write(f"대상 메시지 {total:,}건 (messages to look at)")
        last_pk, seen, changed = 0, 0, 0
        while True:
            # Keyset pagination on the primary key: stable while new messages keep arriving.
            batch = list(todo.filter(pk__gt=last_pk).order_by("pk")
                         .only("pk", "text", "district", "neighbourhood")[:size])
            if not batch:
                break
            last_pk = batch[-1].pk
            located = places.locate_many(korean.analyze_batch([m.text for m in batch]))
            dirty = []
            for message, place in zip(batch, located, strict=True):
                if (message.district, message.neighbourhood) != (place.district, place.neighbourhood):
                    message.district, message.neighbourhood = place.district, place.neighbourhood
                    dirty.append(message)
            with transaction.atomic():
                bulk_update_messages(dirty, ["district", "neighbourhood"])
            seen += len(batch)
            changed += len(dirty)
            self.stdout.write(f"  {seen:,}/{total:,} 처리, {changed:,}건 변경 (processed, changed)")
        self.stdout.write(self.style.SUCCESS(f"완료: {seen:,}건 중 {changed:,}건에 지역을 기록했습니다 (done)"))
