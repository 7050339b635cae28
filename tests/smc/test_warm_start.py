"""Warm start: a fresh web process has Kiwi and the classifier loaded before its first request, so
its first search loads neither."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.smc.test_backup import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PROBE = """
import json, os
import smc.wsgi  # what gunicorn's worker and runserver import before serving
from classification import versions
from textkit import korean
loaded_before = korean._kiwi is not None and korean._kiwi_pid == os.getpid()
loads = []
real_loads = versions.TrainedModel.loads
import kiwipiepy
real_init = kiwipiepy.Kiwi.__init__
def counting_init(self, *a, **k):
    loads.append("kiwi")
    real_init(self, *a, **k)
kiwipiepy.Kiwi.__init__ = counting_init
versions.TrainedModel.loads = staticmethod(lambda data: loads.append("classifier") or real_loads(data))
from django.test import Client
response = Client(HTTP_HOST="127.0.0.1").get("/search/", {"q": "지하철 엘리베이터 고장"})
print(json.dumps({"before": loaded_before, "loads": loads, "status": response.status_code}))
"""


def test_a_fresh_web_process_searches_without_loading_kiwi(seeded):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smc.settings", "SMC_PORTAL_CACHE_SECONDS": "0",
           "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
           "CACHE_KEY_PREFIX": "warm-start-test"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"before": True, "loads": [], "status": 200}


def test_warm_up_can_be_turned_off_for_tools(seeded):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smc.settings", "SMC_WARM_UP": "0"}
    probe = "import os, smc.wsgi; from textkit import korean; print(korean._kiwi is None)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "True"
