import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from core import csvsafe
from departments.models import Division
from textkit.places import district_code, district_name

from .forms import AccountAdminForm
from .models import RETIRED_PLATFORMS, Account, Field, Status
from .seed import ACCOUNTS, DISTRICT_OFFICE_DIVISION, DISTRICT_OFFICES, NAMES_EN, PROFILE_URLS, TODAY_ACCOUNTS

CSV_COLUMNS = [
    "platform", "handle", "display_name", "profile_url", "platform_user_id", "owner_division",
    "field", "district", "is_mayor", "follower_count", "status", "poll_interval_seconds",
    "is_polled", "operator", "name_en",
]
TRUE_WORDS = {"1", "true", "yes", "y", "예", "o"}
FALSE_WORDS = {"0", "false", "no", "n", "아니오", "x", ""}


@transaction.atomic
def seed_registry() -> None:
    """Create or update the 44 seeded accounts, those of today's platforms, and the 25 district
    offices' (on the map, not polled). Credentials and poll state are never touched."""
    divisions = {d.code: d for d in Division.objects.all()}
    for platform, handle, name, division, field_, district, is_mayor, followers in [*ACCOUNTS, *TODAY_ACCOUNTS]:
        Account.objects.update_or_create(
            platform=platform, handle=handle,
            defaults={
                "display_name": name, "name_en": NAMES_EN[name], "owner_division": divisions[division],
                "field": field_,
                "district": district_code(district) or "", "is_mayor": is_mayor, "follower_count": followers,
                "profile_url": PROFILE_URLS[platform].format(handle=handle), "is_polled": True,
                **({"status": Status.RETIRED} if platform in RETIRED_PLATFORMS else {}),
            },
        )
    for platform, handle, district, followers in DISTRICT_OFFICES:
        Account.objects.update_or_create(
            platform=platform, handle=handle,
            defaults={
                "display_name": f"서울 {district}", "name_en": f"Seoul {district_name(district_code(district), 'en')}",
                "operator": f"{district}청", "is_polled": False,
                "owner_division": divisions[DISTRICT_OFFICE_DIVISION], "field": Field.DISTRICT,
                "district": district_code(district), "follower_count": followers,
                "profile_url": PROFILE_URLS[platform].format(handle=handle),
            },
        )


def export_registry_csv() -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)  # a display name such as "=HYPERLINK(…)" must stay text in a spreadsheet
    writer.writerow(CSV_COLUMNS)
    for account in Account.objects.select_related("owner_division").order_by("platform", "handle"):
        writer.writerow([
            account.platform, account.handle, account.display_name, account.profile_url,
            account.platform_user_id, account.owner_division.code, account.field, account.district,
            "1" if account.is_mayor else "0", account.follower_count, account.status,
            account.poll_interval_seconds, "1" if account.is_polled else "0", account.operator, account.name_en,
        ])
    return out.getvalue()


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "N행: 이유" — nothing is saved when not empty

    @property
    def ok(self) -> bool:
        return not self.errors


def _form_data(row: dict, divisions: dict) -> tuple[dict, dict]:
    """The admin form's data for one CSV row, and the cells that could not be read.

    Only the file's vocabulary is translated here (a division code, yes/no words, defaults for
    missing cells); every rule about the values is the admin form's, so the screen and the import
    accept exactly the same accounts.
    """
    def cell(name, default=""):
        return row.get(name, "").strip() or default

    problems = {}
    division = divisions.get(cell("owner_division"))
    if division is None:
        problems["owner_division"] = f"'{cell('owner_division')}'에 해당하는 과가 없습니다"
    is_mayor = cell("is_mayor").lower()
    if is_mayor not in TRUE_WORDS | FALSE_WORDS:
        problems["is_mayor"] = f"'{is_mayor}'은(는) 참/거짓이 아닙니다 ({', '.join(sorted(TRUE_WORDS))} 또는 " \
                               f"{', '.join(sorted(FALSE_WORDS - {''}))})"
    is_polled = cell("is_polled").lower()
    if is_polled not in TRUE_WORDS | FALSE_WORDS:
        problems["is_polled"] = f"'{is_polled}'은(는) 참/거짓이 아닙니다 ({', '.join(sorted(TRUE_WORDS))} 또는 " \
                                f"{', '.join(sorted(FALSE_WORDS - {''}))})"
    # The file may name a district (종로구, 종로, Jongno-gu) or give its code; the form takes the code.
    district = cell("district")
    if district and district_code(district) is None:
        problems["district"] = f"'{district}'은(는) 서울의 자치구가 아닙니다 (예: 11010 또는 종로구)"
    data = {
        "platform": cell("platform"), "handle": cell("handle").lstrip("@"),
        "display_name": cell("display_name"), "profile_url": cell("profile_url"),
        "platform_user_id": cell("platform_user_id"), "owner_division": division.pk if division else "",
        "field": cell("field"), "district": district_code(district) or district,
        "is_mayor": "on" if is_mayor in TRUE_WORDS else "",
        "follower_count": cell("follower_count", "0"), "status": cell("status", Status.ACTIVE),
        "poll_interval_seconds": cell("poll_interval_seconds", "60"),
        # An empty or absent cell keeps polling on: a file exported before the column existed must
        # not silently stop SMC collecting every account it names.
        "is_polled": "on" if is_polled in TRUE_WORDS or not is_polled else "",
        "operator": cell("operator"), "name_en": cell("name_en"),
    }
    return data, problems


def _row_errors(form: AccountAdminForm, problems: dict) -> list[str]:
    errors = [f"{name}: {text}" for name, text in problems.items()]
    for name, messages in form.errors.items():
        if name in problems:
            continue  # already said why that cell is wrong
        prefix = "" if name == "__all__" else f"{name}: "
        errors += [prefix + message for message in messages]
    return errors


def import_registry_csv(text: str) -> ImportResult:
    """Create or update accounts from CSV, each row checked by the admin screen's form.
    Any bad row: nothing is saved, every bad row is reported with its line number."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"platform", "handle", "display_name", "owner_division", "field"} - set(reader.fieldnames or [])
    if missing:
        result.errors.append(f"1행: 필수 열이 없습니다: {', '.join(sorted(missing))}")
        return result
    divisions = {d.code: d for d in Division.objects.all()}
    existing = {(a.platform, a.handle): a for a in Account.objects.all()}
    forms, seen = [], set()
    for line, raw in enumerate(reader, start=2):
        # Cells of our own export carry a quote before a formula-like value (core.csvsafe): undo it.
        row = {name: csvsafe.unescape_cell(value or "") for name, value in raw.items() if isinstance(name, str)}
        data, problems = _form_data(row, divisions)
        key = (data["platform"], data["handle"])
        if "name_en" not in row and key in existing:
            data["name_en"] = existing[key].name_en  # a file exported before the column keeps the English name
        form = AccountAdminForm(data, instance=existing.get(key))
        errors = [] if form.is_valid() and not problems else _row_errors(form, problems)
        if key in seen and data["handle"]:
            errors.append(f"{key[0]} @{key[1]} 계정이 파일에 두 번 있습니다")
        seen.add(key)
        if errors:
            result.errors.append(f"{line}행: " + "; ".join(error.rstrip(".") for error in errors))
        forms.append(form)
    if result.errors:
        return result
    with transaction.atomic():
        for form in forms:
            created = form.instance._state.adding
            form.save()
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result
