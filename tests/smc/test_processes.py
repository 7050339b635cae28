"""docker-compose.yml runs every process of the Procfile, each consuming the same queues with the
same pool: compose once ran no broadcast worker, and no emergency broadcast left the machine."""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRASTRUCTURE = {"db", "redis"}  # compose only: make run starts these from wheels


def _expand(text: str) -> str:
    """${VAR:-default} and ${VAR:?message} as a shell with none of them set (defaults apply)."""
    return re.sub(r"\$\{\w+(?::-([^}]*)|:\?[^}]*)?\}", lambda m: m.group(1) or "", text)


def _celery(command: list[str]) -> dict:
    """What matters of a celery command: the program (worker, beat), its queues and pool."""
    args = [_expand(a) for a in command]
    program = next(a for a in args if a in ("worker", "beat"))
    options: dict = {"program": program, "queues": None, "pool": "prefork"}
    for i, arg in enumerate(args):
        if arg in ("-Q", "--queues"):
            options["queues"] = args[i + 1]
        elif arg.startswith("--queues="):
            options["queues"] = arg.split("=", 1)[1]
        elif arg in ("-P", "--pool"):
            options["pool"] = args[i + 1]
        elif arg.startswith("--pool="):
            options["pool"] = arg.split("=", 1)[1]
    return options


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): shlex.split(command) for name, command in
            (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))}


def compose() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = {}
    for name, service in services.items():
        command = service.get("command", [])
        commands[name] = shlex.split(command) if isinstance(command, str) else list(command)
    return commands


def test_compose_runs_every_process_of_the_procfile_with_the_same_queues_and_pool():
    local, deployed = procfile(), compose()
    assert set(deployed) - INFRASTRUCTURE == set(local), "a process of the Procfile is missing from compose"
    for name, command in local.items():
        if "celery" in command:
            assert "celery" in deployed[name], name
            assert _celery(deployed[name]) == _celery(command), name
    broadcast = [name for name, command in local.items()
                 if "celery" in command and (_celery(command)["queues"] or "").endswith(".broadcast")]
    assert broadcast == ["worker-broadcast"]


def test_every_worker_in_compose_has_a_health_check_that_names_its_own_node():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, command in compose().items():
        if "celery" in command and "worker" in command:
            node = next((command[i + 1] for i, a in enumerate(command) if a == "-n"), "celery@%h")
            check = " ".join(services[name]["healthcheck"]["test"])
            assert node.split("@")[0] + "@" in check, name
