"""What each figure counts, written under it on the page (and in the e-mailed report). "Open" and
"overdue" are messages_app's definitions, the same the staff queues and the API count with; their
English is in the dashboard's catalogue (dashboard/locale/en) like the rest."""

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from messages_app.selectors import OPEN_DEFINITION, OVERDUE_DEFINITION, SATISFACTION_DEFINITION

RECEIVED = _("유입: 기간 안에 작성된(작성 시각, 서울 기준) 메시지 가운데 스팸이 아닌 것. 숨김·답변 완료도 셉니다. "
             "계정·플랫폼·부서·유형·주제 필터가 적용됩니다.")
ANSWERED_TODAY = _("오늘 답변: 오늘(서울 기준) 등록된 답변의 수. 메시지의 작성일과 무관합니다.")
MEDIAN = _("답변 소요 중앙값: 기간 안에 작성되어 답변된 메시지의, 수신부터 답변까지 근무일 수(공휴일 제외)의 "
           "중앙값(부서 표는 90% 값도). 근무일 수를 구간(1일까지 3시간, 3일까지 0.25일, 7일까지 0.5일, "
           "15일까지 1일, 31일까지 2일)별로 세어 구간 안에 고르게 퍼져 있다고 보고 읽은 근삿값으로, "
           "오차는 그 구간의 너비 안입니다. 31일 이상은 31로 표시합니다.")
IN_TIME = _("기한 내 답변 %: 기간 안에 작성되어 답변된 메시지 가운데 처리 기한이 있던 것 중 기한 안에 답변된 비율.")
TRANSFERS = _("이관: 기간 안에 다른 부서로 넘어간 횟수(상태 기록에서 담당 부서가 바뀐 때).")
TERMS = _("낱말: 그 주에 작성된 스팸 아닌 메시지 가운데 그 낱말(두 음절 이상 한글)을 담은 메시지 수.")
BASELINE = _("2012년 기준: 서울시 소셜미디어센터가 밝힌 2012년 시장 계정의 수치(메시지 119,268건, 하루 800건 이상, "
             "유형·주제 비율). 이번 기간의 수치는 같은 필터의 유입입니다.")
# messages_app's text, translated at display time (its msgid is in the dashboard's catalogue).
_translated = lazy(gettext, str)

FIGURES = {
    "received": RECEIVED, "open": _translated(OPEN_DEFINITION), "overdue": _translated(OVERDUE_DEFINITION),
    "answered_today": ANSWERED_TODAY, "median_days": MEDIAN, "in_time_share": IN_TIME,
    "transfers_out": TRANSFERS, "terms": TERMS, "baseline": BASELINE,
    "satisfaction": _translated(SATISFACTION_DEFINITION),
}
