"""The dashboard's own tables: rollups of the messages, kept exact by PostgreSQL triggers
(dashboard/sql.py) because the ingest writes messages with bulk SQL that no Django signal sees.

The dimension columns are plain integers/strings, not foreign keys: a rollup row must not stop a
division or an account from being deleted, and messages_app's tables stay untouched.
"""

from django.db import models

# The dimensions every rollup row is keyed by (besides its time bucket), in key order.
DIMENSIONS = ["platform", "kind", "account_id", "division_id", "type", "topic"]
# DailyTotal's: the same without the account (the coarser rollup the unscoped pages read).
TOTAL_DIMENSIONS = ["platform", "kind", "division_id", "type", "topic"]
# The measures of DailyStat / DailyTotal / HourlyStat, all counts of messages (rating_sum: their scores).
MEASURES = ["received", "spam", "open", "overdue", "answered", "with_deadline", "in_time",
            "rated", "rating_sum", "satisfied"]
# Time to answer as a histogram (DailyStat / DailyTotal): answered messages per bucket of working days,
# bucket k = [EDGES[k], EDGES[k + 1]), the last one open. The pages read the median and 90th percentile
# from these counts (dashboard.selectors.percentile), not from one row per message: 3 hours wide under
# one working day, then 0.25 to 3 days, 0.5 to 7, 1 to 15 and 2 to 31.
EDGES = ([k / 8 for k in range(8)] + [1 + k / 4 for k in range(8)] + [3 + k / 2 for k in range(8)]
         + [7 + k for k in range(8)] + [15 + 2 * k for k in range(9)])
ANSWER_TIMES = [f"wd_{k:02d}" for k in range(len(EDGES))]
# "Open now" (OpenNow): the same dimensions, no time bucket.
OPEN_MEASURES = ["open", "overdue"]


class _Counts(models.Model):
    platform = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    account_id = models.BigIntegerField(null=True)
    division_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=20)
    topic = models.CharField(max_length=20)
    received = models.IntegerField(default=0, help_text="스팸이 아닌 수신 메시지")
    spam = models.IntegerField(default=0)
    open = models.IntegerField(default=0,
                               help_text="접수·배정·처리 중인 메시지 (messages_app.selectors.open_q)")
    overdue = models.IntegerField(default=0,
                                  help_text="처리 중이며 기한 초과로 표시된 메시지 (messages_app.selectors.overdue_q)")
    answered = models.IntegerField(default=0)
    with_deadline = models.IntegerField(default=0, help_text="답변된 메시지 중 기한이 있던 것")
    in_time = models.IntegerField(default=0, help_text="기한 안에 답변된 메시지")
    rated = models.IntegerField(default=0, help_text="만족도 평가를 받은 메시지")
    rating_sum = models.IntegerField(default=0, help_text="그 평가 점수(1~5)의 합")
    satisfied = models.IntegerField(default=0, help_text="4·5점을 받은 메시지")

    class Meta:
        abstract = True


# One column per bucket of ANSWER_TIMES (a histogram in the row: summed like the other measures).
_AnswerTimes = type("_AnswerTimes", (models.Model,), {
    "__module__": __name__, "Meta": type("Meta", (), {"abstract": True}),
    **{name: models.IntegerField(default=0) for name in ANSWER_TIMES}})


class DailyStat(_Counts, _AnswerTimes):  # type: ignore[valid-type, misc]
    """Messages per day of posting (Seoul time) × dimensions, as they are now."""

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *DIMENSIONS], nulls_distinct=False,
                                               name="dailystat_key")]
        indexes = [
            # The pages filtered by account (the mayor's two) read only those accounts' entries, without
            # visiting the (wide) rows for any figure but the time to answer.
            models.Index(fields=["account_id", "day"], name="dailystat_account_cover_idx",
                         include=["platform", "kind", "division_id", "type", "topic", "received", "answered",
                                  "rated", "rating_sum", "satisfied"]),
        ]

    def __str__(self):
        return f"{self.day} {self.platform} {self.type}/{self.topic}: {self.received}"


class DailyTotal(_AnswerTimes):  # type: ignore[valid-type, misc]
    """DailyStat summed over the accounts: per day × platform, channel, division, type and topic.
    Several times fewer rows than DailyStat (44 accounts), so the pages that neither filter nor group
    by account read this one. Kept by the same triggers, rebuilt by the same rebuild_stats."""

    day = models.DateField()
    platform = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    division_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=20)
    topic = models.CharField(max_length=20)
    received = models.IntegerField(default=0)
    spam = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    with_deadline = models.IntegerField(default=0)
    in_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *TOTAL_DIMENSIONS], nulls_distinct=False,
                                               name="dailytotal_key")]

    def __str__(self):
        return f"{self.day} {self.platform} {self.type}/{self.topic}: {self.received}"


class HourlyStat(_Counts):
    """The same per hour of posting: the 48-hour chart."""

    hour = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", *DIMENSIONS], nulls_distinct=False,
                                               name="hourlystat_key")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}시 {self.platform}: {self.received}"


class MessageStat(models.Model):
    """What the rollups count of one message now (the triggers diff against it), plus the time
    to answer in working days (its bucket counts in DailyStat's histogram; the drill-down lists read
    these rows)."""

    message_id = models.BigIntegerField(primary_key=True)
    hour = models.DateTimeField()
    day = models.DateField()
    platform = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    account_id = models.BigIntegerField(null=True)
    division_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=20)
    topic = models.CharField(max_length=20)
    received = models.SmallIntegerField(default=0)
    spam = models.SmallIntegerField(default=0)
    open = models.SmallIntegerField(default=0)
    overdue = models.SmallIntegerField(default=0)
    answered = models.SmallIntegerField(default=0)
    with_deadline = models.SmallIntegerField(default=0)
    in_time = models.SmallIntegerField(default=0)
    rated = models.SmallIntegerField(default=0)
    rating_sum = models.SmallIntegerField(default=0)
    satisfied = models.SmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True)
    working_days = models.FloatField(null=True)

    class Meta:
        indexes = [
            # The period's answered messages (the "answered" lists of one day or week).
            models.Index(fields=["day"], name="messagestat_answered_idx", condition=models.Q(answered=1),
                         include=["working_days", "platform", "kind", "account_id", "division_id", "type",
                                  "topic"]),
            models.Index(fields=["answered_at"], name="messagestat_answered_at_idx",
                         condition=models.Q(answered_at__isnull=False)),
            # The drill-down lists of "open", "overdue" and "answered" (dashboard/drilldown.py): newest
            # first by id, for one division, one account (the accounts and mayor pages' cells) or all,
            # without sorting a division's whole queue or walking every account's rows for one of them.
            *[models.Index(fields=[*lead, "-message_id"], name=f"messagestat_{state}{suffix}_list",
                           condition=models.Q(**{state: 1}))
              for state in ("open", "overdue", "answered")
              for lead, suffix in ((["division_id"], "_div"), ([], ""))],
            *[models.Index(fields=["account_id", "-message_id"], name=f"messagestat_{state}_acc_list",
                           condition=models.Q(**{state: 1}))
              for state in ("open", "overdue", "answered")],
        ]

    def __str__(self):
        return f"메시지 {self.message_id}"


class OpenNow(models.Model):
    """Open and overdue messages now per dimensions (no time bucket): "open / overdue now" reads these
    few rows instead of summing every day that still holds an open message. Kept by the same triggers."""

    platform = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    account_id = models.BigIntegerField(null=True)
    division_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=20)
    topic = models.CharField(max_length=20)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=DIMENSIONS, nulls_distinct=False, name="opennow_key")]

    def __str__(self):
        return f"{self.platform} {self.division_id}: {self.open}/{self.overdue}"


class AnswerDay(models.Model):
    """Answers per day of answering (Seoul time) × the message's dimensions: "answered today"."""

    day = models.DateField()
    platform = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    account_id = models.BigIntegerField(null=True)
    division_id = models.BigIntegerField(null=True)
    type = models.CharField(max_length=20)
    topic = models.CharField(max_length=20)
    answered = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *DIMENSIONS], nulls_distinct=False,
                                               name="answerday_key")]

    def __str__(self):
        return f"{self.day} {self.platform}: {self.answered}"


class TransferDay(models.Model):
    """이관: per day, from one division to another (a status change whose division differs from
    the message's previous one)."""

    day = models.DateField()
    from_division_id = models.BigIntegerField()
    to_division_id = models.BigIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "from_division_id", "to_division_id"],
                                               name="transferday_key")]

    def __str__(self):
        return f"{self.day} {self.from_division_id} → {self.to_division_id}: {self.n}"


class TermWeek(models.Model):
    """Korean terms of the stored search document (Kiwi at ingest): messages per week and topic
    that contain each Hangul term of two or more syllables. Spam is not counted."""

    week = models.DateField(help_text="월요일")
    topic = models.CharField(max_length=20)
    term = models.CharField(max_length=100)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "topic", "term"], name="termweek_key")]

    def __str__(self):
        return f"{self.week} {self.term}: {self.n}"


class Workday(models.Model):
    """The working-day calendar (departments.workdays) as a table the triggers can read:
    `seq` is the number of working days before `day`."""

    day = models.DateField(primary_key=True)
    is_working = models.BooleanField()
    seq = models.IntegerField()

    def __str__(self):
        return f"{self.day} {'근무' if self.is_working else '휴무'}"


def _token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


class ReportPreference(models.Model):
    """Whether one reader gets the scheduled reports by e-mail (on unless turned off), and the secret
    of their unsubscribe link."""

    user = models.OneToOneField("users.User", on_delete=models.CASCADE, related_name="dashboard_reports")
    monthly = models.BooleanField("월간 보고서 받기", default=True)
    weekly = models.BooleanField("주간 보고서 받기", default=False)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)

    def __str__(self):
        return f"{self.user}: 월간 {'O' if self.monthly else 'X'}, 주간 {'O' if self.weekly else 'X'}"


class ReportSent(models.Model):
    """One report sent to one reader for one period: the schedule sends each at most once."""

    user = models.ForeignKey("users.User", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10, choices=[("monthly", "월간"), ("weekly", "주간")])
    period_start = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "frequency", "period_start"],
                                               name="reportsent_once")]

    def __str__(self):
        return f"{self.user} {self.frequency} {self.period_start}"
