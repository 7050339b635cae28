"""Issuing and checking the API's secrets. Only a SHA-256 of a secret is stored: the secrets are
32 random bytes, so a plain hash is as good as a slow one, and a lookup stays one indexed query."""

import hashlib
import secrets

from django.utils import timezone

from users.models import User

from .models import ApiToken, HashedSecret, Open311Key


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def fill(obj: HashedSecret) -> str:
    """Give an unsaved token or key its secret; returns the raw secret, to show once."""
    raw = _new("smc" if isinstance(obj, ApiToken) else "o311")
    obj.prefix, obj.key_hash = raw[:10], digest(raw)
    return raw


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the raw token is returned once and never stored."""
    token = ApiToken(user=user, name=name[:100])
    raw = fill(token)
    token.save()
    return token, raw


def issue_open311_key(organisation: str, *, contact: str = "",
                      created_by: User | None = None) -> tuple[Open311Key, str]:
    key = Open311Key(organisation=organisation[:200], contact=contact[:200], created_by=created_by)
    raw = fill(key)
    key.save()
    return key, raw


def revoke(obj: HashedSecret) -> None:
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
