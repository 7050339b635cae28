"""Staff token authentication: `Authorization: Token smc_…` (or `Bearer smc_…`).

Failed tokens count against the client address like failed staff logins (users.lockout, scope
"api"): after SMC_LOGIN_FAILURE_LIMIT failures the address gets 429 until the lock expires, so
tokens cannot be guessed."""

from rest_framework import authentication, exceptions

from users import lockout

from . import keys

SCOPE = "api"


class Locked(exceptions.Throttled):
    """Too many failed tokens from this address (users.lockout)."""

    def __init__(self, wait: int):
        super().__init__(wait=wait)
        self.lockout_message = lockout.message(wait)

KEYWORDS = ("token", "bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        ip = lockout.client_ip(request)
        wait = lockout.locked_for(SCOPE, ip=ip)
        if wait:
            raise Locked(wait)  # refused before the token is even looked at
        try:
            token = keys.token_for(header[1].decode("ascii")) if len(header) == 2 else None
        except UnicodeDecodeError:
            token = None
        if token is None:
            lockout.record_failure(SCOPE, ip=ip)
            raise exceptions.AuthenticationFailed()
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'
