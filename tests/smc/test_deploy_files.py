"""deploy/: the Grafana dashboard asks only for families /metrics serves; the systemd units run the
Procfile's processes with the same queues and pools."""

import json
import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

DEPLOY = Path(settings.BASE_DIR) / "deploy"
pytestmark = pytest.mark.django_db


def test_every_family_of_the_dashboard_is_served(seeded, client, settings):
    settings.DEBUG = True
    client.get("/")  # a request, so the latency histogram has a sample
    from core.metrics import MESSAGES_INGESTED, POLL_ERRORS, TASK_DURATION

    MESSAGES_INGESTED.labels("x", "1").inc(0)
    POLL_ERRORS.labels("x", "1").inc(0)
    TASK_DURATION.labels("t", "SUCCESS").observe(0)
    served = set()
    for family in text_string_to_metric_families(client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()):
        served |= {sample.name for sample in family.samples}
    dashboard = json.loads((DEPLOY / "grafana" / "smc-dashboard.json").read_text())
    asked = {name for panel in dashboard["panels"] for target in panel["targets"]
             for name in re.findall(r"\bsmc_[a-z0-9_]+", target["expr"])}
    assert asked and asked <= served, asked - served


def _exec(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    return shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))


def _procfile() -> dict[str, list[str]]:
    lines = (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
    return {name: shlex.split(cmd) for name, cmd in (line.split(":", 1) for line in lines if ":" in line)}


@pytest.mark.parametrize("process", ["worker", "worker-broadcast", "beat"])
def test_units_run_the_procfiles_celery_processes(process):
    unit = _exec(f"smc-{process}")
    proc = _procfile()[process]
    assert unit[0].endswith("/celery") and proc[0] == "celery"

    def options(args):
        found = {}
        for flag in ("-Q", "--pool", "-n"):
            if flag in args:
                found[flag] = re.sub(r"\$\{?(\w+)(:-[^}]*)?\}?", r"<\1>", args[args.index(flag) + 1].replace("%%", "%"))
        return found, args[:3]  # -A smc worker|beat

    assert options(unit[1:]) == options(proc[1:])


def test_web_unit_runs_gunicorn_with_the_shared_settings():
    assert _exec("smc-web")[1:] == ["-c", "python:smc.gunicorn_conf", "smc.wsgi:application"]
