"""Platform credentials are encrypted at rest with CREDENTIALS_KEY (Fernet: AES-128-CBC + HMAC)."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _


class CredentialsError(Exception):
    pass


def _fernet() -> Fernet:
    # Production requires a random Fernet key (smc.production); a development key may be any string.
    # Either is hashed to the 32 bytes Fernet needs, so a changed rule never changes a stored ciphertext.
    digest = hashlib.sha256(settings.CREDENTIALS_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_credentials(data: dict) -> str:
    if not data:
        return ""
    return _fernet().encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt_credentials(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsError(_("자격 증명을 복호화할 수 없습니다. CREDENTIALS_KEY를 확인하세요.")) from exc
