import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from users import roles
from users.models import User


def test_demo_staff_needs_a_password_from_the_environment(seeded, monkeypatch):
    monkeypatch.delenv("SMC_DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="SMC_DEMO_PASSWORD"):
        call_command("create_demo_staff")
    assert not User.objects.filter(username="desk").exists()


def test_demo_staff_get_their_roles_and_divisions_and_can_log_in(seeded, monkeypatch, client):
    monkeypatch.setenv("SMC_DEMO_PASSWORD", "demo-pass-2026")
    call_command("create_demo_staff")
    call_command("create_demo_staff")  # twice: same users
    traffic = User.objects.get(username="traffic")
    assert traffic.has_role(roles.DIVISION_STAFF)
    assert list(traffic.divisions.values_list("name_ko", flat=True)) == ["교통정책과"]
    assert User.objects.get(username="traffic_head").memberships.get().is_head
    assert User.objects.filter(username="desk").count() == 1
    assert client.login(username="traffic", password="demo-pass-2026")
    assert client.get("/admin/")["Location"] == "/admin/messages_app/message/"
