"""Roles are Django groups. Their names are Korean because staff see them in the admin."""

from django.contrib.auth.models import Group, Permission

CITIZEN = "시민"
DIVISION_STAFF = "부서 담당자"
DIVISION_HEAD = "부서장"
SMC_DESK = "SMC 데스크"
MAYORS_OFFICE = "시장실"
BROADCAST_DRAFTER = "긴급메시지 작성자"
BROADCAST_APPROVER = "긴급메시지 승인자"
SYSADMIN = "시스템 관리자"

ALL_ROLES = [
    CITIZEN, DIVISION_STAFF, DIVISION_HEAD, SMC_DESK, MAYORS_OFFICE,
    BROADCAST_DRAFTER, BROADCAST_APPROVER, SYSADMIN,
]

# "app_label.codename" per role. Codenames of apps not migrated yet are skipped and picked up on
# the next migrate, so this list may name permissions that later issues add.
ROLE_PERMISSIONS = {
    CITIZEN: [
        "portal.add_like", "portal.add_comment",
    ],
    DIVISION_STAFF: [
        "messages_app.add_phonecomplaint", "messages_app.view_phonecomplaint", "messages_app.view_outbox",
        "messages_app.view_message", "messages_app.change_message", "messages_app.add_answer",
        "messages_app.view_answer", "messages_app.change_answer", "messages_app.view_cannedanswer",
        "departments.view_division", "departments.view_bureau", "accounts.view_account",
    ],
    DIVISION_HEAD: [
        "messages_app.add_phonecomplaint", "messages_app.view_phonecomplaint", "messages_app.view_outbox",
        "messages_app.view_message", "messages_app.change_message", "messages_app.add_answer",
        "messages_app.view_answer", "messages_app.change_answer",
        "departments.view_division", "departments.view_bureau", "departments.view_membership",
        "accounts.view_account",
    ],
    SMC_DESK: [
        "messages_app.add_phonecomplaint", "messages_app.view_phonecomplaint",
        "messages_app.view_outbox", "messages_app.change_outbox",
        "classification.view_classifiermodel", "classification.change_classifiermodel",
        "messages_app.view_labelcorrection", "messages_app.view_auditentry",
        "messages_app.view_message", "messages_app.change_message", "messages_app.add_answer",
        "messages_app.view_answer", "messages_app.change_answer",
        "portal.view_comment", "portal.change_comment", "portal.view_rating",
        "departments.view_division", "departments.view_bureau", "departments.view_membership",
        "messages_app.view_cannedanswer", "messages_app.add_cannedanswer", "messages_app.change_cannedanswer",
        "departments.view_routingrule", "departments.add_routingrule", "departments.change_routingrule",
        "departments.view_processingrule", "departments.change_processingrule",
        "departments.view_escalationstep", "departments.change_escalationstep",
        "departments.view_calendaroverride", "departments.add_calendaroverride",
        "departments.change_calendaroverride", "departments.delete_calendaroverride",
        "accounts.view_account", "accounts.add_account", "accounts.change_account",
        "api.view_open311key", "api.add_open311key", "api.change_open311key",
        # The desk drafts emergency broadcasts by default (approvers are named people).
        "broadcast.view_broadcast", "broadcast.add_broadcast", "broadcast.change_broadcast",
        "broadcast.view_template", "broadcast.view_delivery", "broadcast.view_step",
        "outbound.view_posting", "outbound.change_posting",
    ],
    MAYORS_OFFICE: [
        "messages_app.view_message", "messages_app.view_answer",
        "departments.view_division", "departments.view_bureau", "accounts.view_account",
    ],
    BROADCAST_DRAFTER: [
        "broadcast.view_broadcast", "broadcast.add_broadcast", "broadcast.change_broadcast",
        "broadcast.view_template", "broadcast.view_delivery", "broadcast.view_step", "accounts.view_account",
        "outbound.view_posting", "outbound.change_posting",
    ],
    BROADCAST_APPROVER: [
        "broadcast.view_broadcast", "broadcast.approve_broadcast", "broadcast.view_template",
        "broadcast.view_delivery", "broadcast.view_step", "accounts.view_account",
        "outbound.view_posting", "outbound.change_posting",
    ],
    SYSADMIN: [],  # system administrators are superusers; the group marks who they are
}


def _permissions(names):
    wanted = [name.split(".", 1) for name in names]
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={code for _, code in wanted},
    ).select_related("content_type")
    return [p for p in found if [p.content_type.app_label, p.codename] in wanted]


def ensure_roles(**kwargs):
    """Create every role group and give it its permissions. Idempotent; runs after each migrate."""
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*_permissions(ROLE_PERMISSIONS[role]))
