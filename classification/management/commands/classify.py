import io
import json
import sys

from django.core.management.base import BaseCommand

from classification import versions

BATCH = 256  # lines analysed together: Kiwi's batch API is much faster than one call per line


class Command(BaseCommand):
    help = ("표준 입력의 한 줄을 메시지 하나로 분류해 한 줄에 JSON 하나씩 출력합니다. "
            "Classify stdin, one message per line; one JSON object per output line.")
    stealth_options = ("stdin",)

    def handle(self, *args, **options):
        stdin = options.get("stdin")
        if stdin is None:  # decode ourselves: the terminal's locale may not be UTF-8
            stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        model = versions.active_model()
        batch: list[str] = []
        for line in stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= BATCH:
                self._emit(model, batch)
                batch = []
        if batch:
            self._emit(model, batch)

    def _emit(self, model, lines):
        texts = [t for t in lines if t.strip()]
        preds = iter(model.predict(texts))
        for line in lines:
            if not line.strip():
                # Keep one output line per input line so scripts can zip them.
                obj = {"error": "빈 줄입니다 / empty line"}
            else:
                p = next(preds)
                obj = {"type": p.type, "topic": p.topic, "confidence": p.confidence}
            self.stdout.write(json.dumps(obj, ensure_ascii=False))
