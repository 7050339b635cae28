"""Staff token authentication: `Authorization: Token smc_…` (or `Bearer smc_…`).

Failed tokens count against the client address like failed staff logins (users.lockout, scope
"api"): after SMC_LOGIN_FAILURE_LIMIT failures the address gets 429 until the lock expires, so
tokens cannot be guessed."""

from rest_framework import authentication, exceptions

from . import keys

KEYWORDS = ("token", "bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed()
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed() from None
        token = keys.token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed()
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'
