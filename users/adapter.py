"""The citizen login (allauth) with the staff login's lockout rules (users.lockout): allauth's own
limit keeps counting failures per address (ACCOUNT_RATE_LIMITS, on the same trusted-proxy rule);
the login name (the e-mail address) is never locked, its tries are delayed after repeated failures."""

from allauth.account.adapter import DefaultAccountAdapter

from . import lockout

SCOPE = "account"


def _name(credentials) -> str:
    return credentials.get("email") or credentials.get("username") or ""


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        return lockout.client_ip(request)  # the one trusted-proxy rule (SMC_TRUSTED_PROXY_COUNT)

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        if lockout.locked_for(SCOPE, username=_name(credentials)):
            self._rollback_login_failed_rl_usage()  # a refused try is not counted
            raise self.validation_error("too_many_login_attempts")

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            lockout.record_success(SCOPE, username=_name(credentials))
        return user

    def authentication_failed(self, request, **credentials):
        lockout.record_failure(SCOPE, username=_name(credentials))
