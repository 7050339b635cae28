"""The test settings (smc/settings_test.py) and the factories' users: real, cheap passwords."""

from django.conf import settings
from django.core import mail

from tests import factories
from users import roles


def test_factory_staff_logs_in_with_a_real_password(seeded, client):
    user = factories.staff("bus-clerk", "transport-policy", role=roles.DIVISION_STAFF)
    assert user.password.startswith("md5$")  # hashed, cheaply: smc.settings_test
    assert client.login(username="bus-clerk", password=factories.PASSWORD)
    assert not client.login(username="bus-clerk", password="wrong")


def test_mail_stays_in_memory(db):
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    mail.send_mail("제목", "본문", "smc@seoul.example", ["a@seoul.example"])
    assert len(mail.outbox) == 1
