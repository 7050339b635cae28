"""Production settings refuse weak keys, make e-mail verification mandatory, and signup does not tell
whether an e-mail address is registered."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "Zq8-kT1vLp0xWm4rYb7nHc2sJd9fGa5eUo3iQ6tRy_PzKw+XuV!l"  # 52 characters, many distinct
STRONG_CREDENTIALS = Fernet.generate_key().decode()
SITE_URL = "https://smc.seoul.example"


def _import_production(secret_key, credentials_key, site_url: str | None = SITE_URL):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CREDENTIALS_KEY", "SMC_SITE_URL")}
    env.update(SECRET_KEY=secret_key, CREDENTIALS_KEY=credentials_key)
    if site_url is not None:
        env["SMC_SITE_URL"] = site_url
    code = ("import json, os, smc.production as p; print(json.dumps([p.ACCOUNT_EMAIL_VERIFICATION, "
            "getattr(p, 'ACCOUNT_PREVENT_ENUMERATION', None), p.SECRET_KEY == os.environ['SECRET_KEY'], "
            "[name for name in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'LANGUAGE_COOKIE_SECURE') "
            "if getattr(p, name, False) is not True]]))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_strong_keys_are_accepted_and_email_verification_is_mandatory():
    result = _import_production(STRONG_SECRET, STRONG_CREDENTIALS)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["mandatory", True, True, []]  # every cookie Secure


@pytest.mark.parametrize("weak", [
    "short-secret-QZJX",                                                # too short
    "ab" * 30,                                                           # long, two characters
    "django-insecure-" + "k3x!9vq$w@1z#p%8m^7n&6b*5c(4d)2e_0f+g=h-jQZJX",  # Django's generated dev key
])
def test_a_weak_secret_key_is_refused_without_being_echoed(weak):
    result = _import_production(weak, STRONG_CREDENTIALS)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "50" in result.stderr
    assert weak not in result.stderr + result.stdout


@pytest.mark.parametrize("weak", [
    "x",
    "credentials-key-not-fernet-QZJX",
    "A" * 43 + "=",                     # valid base64 of 32 bytes, but all zero
    Fernet.generate_key().decode()[:-2],  # truncated
])
def test_a_credentials_key_that_is_not_a_random_fernet_key_is_refused_without_being_echoed(weak):
    result = _import_production(STRONG_SECRET, weak)
    assert result.returncode != 0
    assert "CREDENTIALS_KEY" in result.stderr and "Fernet" in result.stderr
    if len(weak) > 1:
        assert weak not in result.stderr + result.stdout


@pytest.mark.parametrize("site_url", [
    None,                                  # unset: the development default is loopback
    "",
    "http://smc.seoul.example",            # not https: broadcast links would be downgraded
    "https://127.0.0.1:8000",
    "https://localhost",
    "https://[::1]/",
    "https://10.0.0.7",
    "https://192.168.1.20",
    "https://172.16.4.2:8443",
    "https://169.254.169.254",             # link-local (cloud metadata)
    "https://0.0.0.0",
    "https://web:8000",                    # a single-label name: only an internal network resolves it
    "https://smc.localhost",
    "https://",                            # no host
    "smc.seoul.example",                   # no scheme
])
def test_production_refuses_a_site_url_that_citizens_cannot_reach_over_https(site_url):
    result = _import_production(STRONG_SECRET, STRONG_CREDENTIALS, site_url=site_url)
    assert result.returncode != 0, result.stdout
    assert "SMC_SITE_URL" in result.stderr and "https" in result.stderr


@pytest.mark.parametrize("site_url", ["https://smc.seoul.example", "https://smc.seoul.go.kr/",
                                      "https://211.234.10.5:8443"])
def test_production_accepts_a_public_https_site_url(site_url):
    result = _import_production(STRONG_SECRET, STRONG_CREDENTIALS, site_url=site_url)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def production_signup(settings):
    """The signup settings of smc.production (checked by the test above)."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.ACCOUNT_PREVENT_ENUMERATION = True


def _signup(email):
    """What a visitor sees after signing up with `email`: the redirects and the page they end on
    (the address itself and the per-request CSRF token taken out)."""
    response = Client().post(reverse("account_signup"), follow=True, data={
        "email": email, "password1": "pw-시민-가입-1234", "password2": "pw-시민-가입-1234",
        "nickname": "가입한시민", "signup_required": "on"})
    page = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())
    return response.status_code, response.redirect_chain, page.replace(email, "EMAIL")


def test_signup_with_a_registered_email_answers_like_a_new_one(db, production_signup):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    User = get_user_model()
    owner = User.objects.create_user("owner", email="owner@example.org", password="pw-owner-1234")
    EmailAddress.objects.create(user=owner, email="owner@example.org", verified=True, primary=True)

    registered = _signup("owner@example.org")
    new = _signup("new@example.org")
    assert registered == new
    assert new[0] == 200 and new[1] and "EMAIL" in new[2]
    # No second account for the registered address; its owner is told by e-mail, not the visitor.
    assert User.objects.filter(email="owner@example.org").count() == 1
    assert User.objects.filter(email="new@example.org").count() == 1
    assert [m.to for m in mail.outbox] == [["owner@example.org"], ["new@example.org"]]
    assert "owner@example.org" not in mail.outbox[1].body
