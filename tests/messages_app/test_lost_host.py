"""Losing a worker host mid-surge: the other host drains the rest, nothing lost, nothing doubled.

Two real Celery workers (prefork, the project's settings, the real X connector) run as two "hosts":
each in a network namespace this test creates (`ip netns` + a veth pair on link-local addresses),
reaching PostgreSQL, Redis and the fake X API (bench/fakex.py) only through its own address; a small
relay on the host side of each veth forwards to the loopback services. Where namespaces cannot be
made (not root, no `ip`; or SMC_TEST_NO_NETNS=1), the hosts are two separate process groups on
loopback instead, and the test says so. The test process plays beat: it calls dispatch_polls every
second, as beat's task would.

Mid-surge, every process of host A is SIGKILLed and its link removed. What bounds recovery:
- a poll host A was running: its transaction never committed, the cursor did not move, and its
  advisory lock went with its database session; dispatch_polls queues the account again at its next
  busy slot (SMC_BUSY_POLL_SECONDS + the dispatch period), so polls do not wait for Redis;
- the task message itself comes back after CELERY_VISIBILITY_TIMEOUT (+5 s sweep) and runs as a
  harmless no-op (lock, cursor, ON CONFLICT). Answers and broadcasts rely on that redelivery (and on
  outbound's sweeper), hence the short default timeout; this test uses 20 s to see it happen.
"""

import logging
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import quote, urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from accounts.models import Account, Status
from bench.fakex import FakeX, Surge, XUser
from messages_app.models import Message, StatusChange
from messages_app.tasks import polling
from smc.celery import app
from tests.waiting import wait_until

from .ingest_fakes import seed_for_workers

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
logger = logging.getLogger(__name__)

SURGE = 2000  # mentions over the X accounts, released at RATE a second
RATE = 100
DEADLINE = 100  # seconds for the whole surge to be stored (a safety net, not a timed assertion)


class Relay:
    """TCP forwarder: listen_host:port → its upstream, for each port: ("127.0.0.1", port), or the path of
    a unix socket (the embedded PostgreSQL of `make test` listens on one). close() cuts every link."""

    def __init__(self, listen_host: str, upstreams: dict):
        self.listeners = []
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        for port, upstream in upstreams.items():
            server = socket.create_server((listen_host, port), reuse_port=False)
            self.listeners.append(server)
            threading.Thread(target=self._accept, args=(server, upstream), daemon=True).start()

    def _accept(self, server, target):
        while not self.closed:
            try:
                client, _ = server.accept()
            except OSError:
                return
            if isinstance(target, str):
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(target)
            else:
                upstream = socket.create_connection(target)
            with self.lock:
                self.links += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a, b):
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in sel.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            for s in (a, b):
                s.close()

    def close(self):
        self.closed = True
        with self.lock:
            for s in self.listeners + self.links:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True)


class Host:
    """One worker machine: a network namespace with its own address, or (fallback) a process group."""

    def __init__(self, index: int, tag: str, use_netns: bool, upstreams: dict, subnet: int = 0):
        self.index, self.use_netns = index, use_netns
        self.netns = f"smc-{tag}-h{index}"
        self.veth = f"smc{tag[:6]}{index}"
        self.address = f"169.254.{subnet}.1" if use_netns else "127.0.0.1"
        self.relay = None
        self.proc = None
        if use_netns:
            inner = f"169.254.{subnet}.2"
            for cmd in (["ip", "netns", "add", self.netns],
                        ["ip", "link", "add", self.veth, "type", "veth", "peer", "name", self.veth + "p"],
                        ["ip", "link", "set", self.veth + "p", "netns", self.netns],
                        ["ip", "addr", "add", f"{self.address}/30", "dev", self.veth],
                        ["ip", "link", "set", self.veth, "up"],
                        ["ip", "-n", self.netns, "addr", "add", f"{inner}/30", "dev", self.veth + "p"],
                        ["ip", "-n", self.netns, "link", "set", self.veth + "p", "up"],
                        ["ip", "-n", self.netns, "link", "set", "lo", "up"]):
                done = _run(*cmd)
                if done.returncode:
                    raise RuntimeError(f"{' '.join(cmd)}: {done.stderr.strip()}")
            self.relay = Relay(self.address, upstreams)

    def start(self, env: dict, log_path) -> None:
        prefix = ["ip", "netns", "exec", self.netns] if self.use_netns else []
        log = open(log_path, "a")  # noqa: SIM115 - kept open for the subprocess
        self.log_path = log_path
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "celery", "-A", "smc", "worker", "-Q", env["CELERY_QUEUE"], "-c", "1",
             "-P", "prefork", "-n", f"host{self.index}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=INFO"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"host {self.index} worker exited:\n{open(self.log_path).read()[-3000:]}")
        return "warmed up" in open(self.log_path).read()

    def pids(self) -> list[int]:
        if self.use_netns:
            return [int(p) for p in _run("ip", "netns", "pids", self.netns).stdout.split()]
        out = _run("pgrep", "-g", str(self.proc.pid)).stdout.split()
        return [int(p) for p in out] or [self.proc.pid]

    def kill(self) -> None:
        """The machine dies: SIGKILL every process of the host at once, then its network goes."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        # Pool children are reaped by init (or stay zombies where nothing reaps them): wait until they are dead.
        wait_until(lambda: all(_dead(pid) for pid in pids), "the pool children to exit", timeout=30)
        if self.relay:
            self.relay.close()  # its sockets are gone with it: the server ends its sessions
        self.teardown_network()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.relay:
            self.relay.close()
        self.teardown_network()

    def teardown_network(self) -> None:
        if self.use_netns:
            _run("ip", "link", "del", self.veth)
            _run("ip", "netns", "del", self.netns)


def _free_subnets(count: int) -> list[int]:
    """Third octets of 169.254.x.0/30 that no interface uses: a run killed before its teardown (or
    another run at the same time) keeps its addresses, and this one must not collide with them."""
    used = _run("ip", "-br", "addr").stdout
    free = [x for x in range(200, 255) if f"169.254.{x}.1/" not in used]
    return free[:count]


def _netns_available(tag: str) -> tuple[bool, str]:
    if os.environ.get("SMC_TEST_NO_NETNS"):  # to run the fallback on purpose
        return False, "SMC_TEST_NO_NETNS is set"
    if not shutil.which("ip"):
        return False, "the `ip` command is not installed"
    probe = f"smc-{tag}-probe"
    done = _run("ip", "netns", "add", probe)
    if done.returncode:
        return False, done.stderr.strip() or "ip netns add failed"
    _run("ip", "netns", "del", probe)
    return True, ""


def _url(host: str, port: int, scheme: str, path: str, auth: str = "") -> str:
    return f"{scheme}://{auth}{host}:{port}/{path}"


@pytest.fixture
def world(transactional_db, tmp_path):
    seed_for_workers()
    users = []
    for account in Account.objects.filter(platform="x").order_by("pk"):
        account.status = Status.ACTIVE
        account.platform_user_id = str(5_000_000_000 + account.pk)
        account.credentials = {"bearer_token": f"AAAA-test-{account.pk}"}
        account.save()
        users.append(XUser(account.platform_user_id, account.handle))
    Account.objects.exclude(platform="x").update(status=Status.PAUSED)

    tag = uuid.uuid4().hex[:6]
    queue = f"smc_lost_{tag}"
    fake = FakeX(Surge(n=SURGE, users=users, rate=RATE), latency=0.03).start(release=False)
    fake_port = fake.server.server_address[1]
    db = connection.settings_dict
    redis_url = settings.REDIS_URL
    redis = urlparse(redis_url)
    ports = [int(db["PORT"] or 5432), redis.port or 6379, fake_port]
    # The test database may sit behind a unix socket (the embedded server of `make test`), not TCP.
    db_socket = db["HOST"] if (db["HOST"] or "").startswith("/") else None
    upstreams = {port: ("127.0.0.1", port) for port in ports}
    if db_socket:
        upstreams[ports[0]] = f"{db_socket}/.s.PGSQL.{ports[0]}"
    use_netns, why = _netns_available(tag)
    if use_netns:
        logger.warning("lost-host test: each worker host is a network namespace with its own address")
    else:
        logger.warning("lost-host test: network namespaces unavailable (%s); the two hosts are separate "
                       "process groups on loopback instead", why)
        print(f"\nnetwork namespaces unavailable ({why}): hosts are separate process groups on loopback")
    hosts = []
    subnets = _free_subnets(2) if use_netns else [0, 0]
    try:
        for index, subnet in zip((1, 2), subnets, strict=True):
            host = Host(index, tag, use_netns, upstreams, subnet)
            hosts.append(host)
            auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"]
                                                       else "")
            env = {
                **os.environ, "DJANGO_SETTINGS_MODULE": "smc.settings", "CELERY_QUEUE": queue, "CONN_MAX_AGE": "0",
                "SMC_SIMULATE": "0", "CELERY_VISIBILITY_TIMEOUT": "20",
                "LOG_LEVEL_POLLS": "DEBUG", "LOG_LEVEL": "DEBUG",  # the test reads each poll's "succeeded" line
                "DATABASE_URL": (_url(host.address, ports[0], "postgres", db["NAME"], auth + "@")
                                 if use_netns or not db_socket else
                                 f"postgres://{auth}@{quote(db_socket, safe='')}:{ports[0]}/{db['NAME']}"),
                "REDIS_URL": _url(host.address, ports[1], "redis", redis.path.lstrip("/"),
                                  (redis.netloc.rsplit("@", 1)[0] + "@") if "@" in redis.netloc else ""),
                "SMC_X_API_BASE_URL": f"http://{host.address}:{fake_port}",
            }
            host.start(env, tmp_path / f"host{index}.log")
        previous_queue = app.conf.task_default_queue
        app.conf.task_default_queue = queue
        yield {"hosts": hosts, "fake": fake, "netns": use_netns}
        app.conf.task_default_queue = previous_queue
    finally:
        for host in hosts:
            host.stop()
        fake.stop()
        import redis as redis_lib

        r = redis_lib.Redis.from_url(redis_url)
        for key in r.scan_iter(f"*{queue}*"):
            r.delete(key)


def _dead(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _stored_ids() -> list[str]:
    return list(Message.objects.filter(platform="x").values_list("external_id", flat=True))


def _wait(check, what: str, seconds: float, hosts):
    def dispatch_then_check():
        polling.dispatch_polls()  # beat's job, every second
        return check()

    wait_until(dispatch_then_check, what, timeout=seconds, interval=1, logs=[h.log_path for h in hosts])


def test_losing_a_worker_host_mid_surge_loses_and_doubles_nothing(world):
    hosts, fake = world["hosts"], world["fake"]
    a, b = hosts
    wait_until(lambda: a.ready() and b.ready(), "both workers to start", timeout=90, interval=0.5,
               logs=[a.log_path, b.log_path])

    fake.release()
    _wait(lambda: len(_stored_ids()) >= SURGE * 0.3, "the surge under way", DEADLINE, hosts)
    assert "succeeded" in open(a.log_path).read(), "host A took part before it died"
    killed_at = time.monotonic()
    stored_at_kill = len(_stored_ids())
    a.kill()

    _wait(lambda: len(_stored_ids()) >= SURGE, "host B draining the rest", DEADLINE, [b])
    recovery = time.monotonic() - killed_at
    released_all = fake.surge.start_at + SURGE / RATE
    ids = _stored_ids()
    released = set(fake.released())
    assert len(released) == SURGE
    assert set(ids) == released  # nothing lost
    assert len(ids) == len(set(ids))  # nothing stored twice
    twice = (StatusChange.objects.filter(from_status="", message__platform="x").values("message")
             .annotate(n=Count("id")).filter(n__gt=1).count())
    assert twice == 0  # the pipeline ran once per message
    print(f"\nhosts: {'network namespaces' if world['netns'] else 'process groups'}; host A killed with "
          f"{stored_at_kill}/{SURGE} stored; host B stored the rest {recovery:.1f} s after the kill "
          f"({max(0.0, time.time() - released_all):.1f} s after the last release)")
