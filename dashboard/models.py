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
# The measures of DailyStat / DailyTotal / HourlyStat, all counts of messages.
MEASURES = ["received", "spam", "open", "overdue", "answered", "with_deadline", "in_time"]


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

    class Meta:
        abstract = True


class DailyStat(_Counts):
    """Messages per day of posting (Seoul time) × dimensions, as they are now."""

    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *DIMENSIONS], nulls_distinct=False,
                                               name="dailystat_key")]
        indexes = [
            # "Open / overdue now" reads only the rows that still hold some.
            models.Index(fields=["day"], name="dailystat_open_idx",
                         include=["open", "overdue", *DIMENSIONS],
                         condition=models.Q(open__gt=0) | models.Q(overdue__gt=0)),
            # The pages filtered by account (the mayor's two) read only those accounts' rows.
            models.Index(fields=["account_id", "day"], name="dailystat_account_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.platform} {self.type}/{self.topic}: {self.received}"


class DailyTotal(models.Model):
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

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *TOTAL_DIMENSIONS], nulls_distinct=False,
                                               name="dailytotal_key")]
        indexes = [
            models.Index(fields=["day"], name="dailytotal_open_idx",
                         include=["open", "overdue", *TOTAL_DIMENSIONS],
                         condition=models.Q(open__gt=0) | models.Q(overdue__gt=0)),
        ]

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
    to answer in working days: the medians and 90th percentiles are read here."""

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
    answered_at = models.DateTimeField(null=True)
    working_days = models.FloatField(null=True)

    class Meta:
        indexes = [
            # The medians and 90th percentiles: an index-only scan of the period's answered messages.
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
