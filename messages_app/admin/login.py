"""The staff login (/admin/login/) with the same lockout as the citizen login (users/lockout.py).
A lockout is recorded in the audit (no user: whoever tried is not known)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from users import lockout

from ..services import permissions

SCOPE = "admin"


class StaffLoginForm(AdminAuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = lockout.client_ip(self.request)
        wait = lockout.locked_for(SCOPE, username=username, ip=ip)
        if wait:  # refused before the password is even checked
            raise ValidationError(lockout.message(wait), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.user_cache is None:  # a wrong password, not a right one for a non-staff account
                self._failed(username, ip)
            raise
        lockout.record_success(SCOPE, username=username)
        return cleaned

    def _failed(self, username, ip):
        locked = lockout.record_failure(SCOPE, username=username, ip=ip)
        if locked:
            what = " · ".join({"name": "사용자 이름 (시도 지연 시작)", "address": "접속 주소"}[w] for w in locked)
            permissions.audit(None, "login_lockout", allowed=False, detail=(
                f"관리자 로그인 잠금 ({what}): 사용자 이름 '{username[:150]}', 주소 {ip or '-'}, "
                f"{lockout.limit()}회 실패, {lockout.window()}초"))
