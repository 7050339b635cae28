"""Run in its own process against DATABASE_URL: renders the given public pages as an anonymous
visitor and prints {url: [status, sha256 of the body]} as JSON; with --write, also stores a new
message (the restored sequences must hand out fresh ids). Used by test_backup.py."""

import hashlib
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from messages_app.models import Message  # noqa: E402

client = Client(HTTP_HOST="127.0.0.1")
out = {}
for url in [a for a in sys.argv[1:] if not a.startswith("--")]:
    response = client.get(url)
    out[url] = [response.status_code, hashlib.sha256(response.content).hexdigest()]
if "--write" in sys.argv:
    before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    new = Message.objects.create(platform="x", external_id="restore-drill-1", text="복원 후 새 메시지",
                                 posted_at=timezone.now())
    out["--write"] = [new.pk > before, new.pk]
print(json.dumps(out))
