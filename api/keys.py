"""Issuing and checking the API's secrets. Only a SHA-256 of a secret is stored: the secrets are
32 random bytes, so a plain hash is as good as a slow one, and a lookup stays one indexed query."""

import hashlib
import secrets

from django.utils import timezone

from users.models import User

from .models import ApiToken, Open311Key


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw token is returned once and never stored."""
    raw = _new("smc")
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10], key_hash=digest(raw))
    return token, raw


def issue_open311_key(organisation: str, *, contact: str = "",
                      created_by: User | None = None) -> tuple[Open311Key, str]:
    raw = _new("o311")
    key = Open311Key.objects.create(organisation=organisation[:200], contact=contact[:200], prefix=raw[:10],
                                    key_hash=digest(raw), created_by=created_by)
    return key, raw


def revoke(obj: ApiToken | Open311Key) -> None:
    if obj.revoked_at is None:
        obj.revoked_at = timezone.now()
        obj.save(update_fields=["revoked_at"])


def _find(model, raw: str):
    if not raw or len(raw) > 100:
        return None
    found = model.objects.filter(key_hash=digest(raw), revoked_at__isnull=True).first()
    if found is not None:
        model.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found


def token_for(raw: str) -> ApiToken | None:
    token = _find(ApiToken, raw)
    if token is not None and not (token.user.is_active and token.user.is_staff):
        return None
    return token


def open311_key_for(raw: str) -> Open311Key | None:
    return _find(Open311Key, raw)
