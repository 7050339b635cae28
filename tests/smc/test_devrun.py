"""`make run`'s announcement: the address and the demo logins once the web answers, on SMC_PORT."""

import socket
import threading

from smc import devrun


def test_waits_until_the_port_answers():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        stop = threading.Event()
        result = []
        waiter = threading.Thread(target=lambda: result.append(devrun.wait_for_port(port, stop)))
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive() and result == []  # nothing listens yet: still waiting
        listener.listen()
        waiter.join(timeout=30)
        assert result == [True]


def test_stopping_ends_the_wait():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening
    stop = threading.Event()
    stop.set()
    assert devrun.wait_for_port(port, stop) is False


def test_banner_names_the_port_and_the_demo_logins():
    text = devrun.banner(8123, demo_password=True)
    assert "http://127.0.0.1:8123/" in text
    assert "alert_approver" in text and "desk" in text
    assert "SMC_DEMO_PASSWORD=" in devrun.banner(8000, demo_password=False)
