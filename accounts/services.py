import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from departments.models import Division
from textkit.places import district_code

from .models import RETIRED_PLATFORMS, Account, Field, Platform, Status
from .seed import ACCOUNTS, DISTRICT_OFFICE_DIVISION, DISTRICT_OFFICES, PROFILE_URLS

CSV_COLUMNS = [
    "platform", "handle", "display_name", "profile_url", "platform_user_id", "owner_division",
    "field", "district", "is_mayor", "follower_count", "status", "poll_interval_seconds",
    "is_polled", "operator",
]
TRUE_WORDS = {"1", "true", "yes", "y", "예", "o"}
FALSE_WORDS = {"0", "false", "no", "n", "아니오", "x", ""}


@transaction.atomic
def seed_registry() -> None:
    """Create or update the 44 seeded accounts and the 25 district offices' (on the map, not polled).
    Credentials and poll state are never touched."""
    divisions = {d.code: d for d in Division.objects.all()}
    for platform, handle, name, division, field_, district, is_mayor, followers in ACCOUNTS:
        Account.objects.update_or_create(
            platform=platform, handle=handle,
            defaults={
                "display_name": name, "owner_division": divisions[division], "field": field_,
                "district": district_code(district) or "", "is_mayor": is_mayor, "follower_count": followers,
                "profile_url": PROFILE_URLS[platform].format(handle=handle), "is_polled": True,
                **({"status": Status.RETIRED} if platform in RETIRED_PLATFORMS else {}),
            },
        )
    for platform, handle, district, followers in DISTRICT_OFFICES:
        Account.objects.update_or_create(
            platform=platform, handle=handle,
            defaults={
                "display_name": f"서울 {district}", "operator": f"{district}청", "is_polled": False,
                "owner_division": divisions[DISTRICT_OFFICE_DIVISION], "field": Field.DISTRICT,
                "district": district_code(district), "follower_count": followers,
                "profile_url": PROFILE_URLS[platform].format(handle=handle),
            },
        )


def export_registry_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for account in Account.objects.select_related("owner_division").order_by("platform", "handle"):
        writer.writerow([
            account.platform, account.handle, account.display_name, account.profile_url,
            account.platform_user_id, account.owner_division.code, account.field, account.district,
            "1" if account.is_mayor else "0", account.follower_count, account.status,
            account.poll_interval_seconds, "1" if account.is_polled else "0", account.operator,
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


class _RowError(ValueError):
    pass


def _parse_row(row: dict, divisions: dict) -> dict:
    def choice(name, choices):
        value = (row.get(name) or "").strip()
        if value not in choices:
            raise _RowError(f"{name} 값 '{value}'은(는) 허용되지 않습니다 ({', '.join(choices)})")
        return value

    def boolean(name, default=False):
        value = (row.get(name) or "").strip().lower()
        if not value and name not in row:
            return default  # a file without the column (made before it existed)
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise _RowError(f"{name} 값 '{value}'은(는) 참/거짓이 아닙니다")

    def number(name, default):
        value = (row.get(name) or "").strip()
        if not value:
            return default
        if not value.isdigit():
            raise _RowError(f"{name} 값 '{value}'은(는) 0 이상의 정수가 아닙니다")
        return int(value)

    handle = (row.get("handle") or "").strip().lstrip("@")
    display_name = (row.get("display_name") or "").strip()
    if not handle:
        raise _RowError("handle이 비어 있습니다")
    if not display_name:
        raise _RowError("display_name이 비어 있습니다")
    division_code = (row.get("owner_division") or "").strip()
    if division_code not in divisions:
        raise _RowError(f"owner_division '{division_code}'에 해당하는 과가 없습니다")
    platform = choice("platform", Platform.values)
    district = (row.get("district") or "").strip()
    if district and district_code(district) is None:
        raise _RowError(f"district 값 '{district}'은(는) 서울의 자치구가 아닙니다 (예: 11010 또는 종로구)")
    status = (row.get("status") or Status.ACTIVE).strip()
    if status not in Status.values:
        raise _RowError(f"status 값 '{status}'은(는) 허용되지 않습니다 ({', '.join(Status.values)})")
    if platform in RETIRED_PLATFORMS and status != Status.RETIRED:
        raise _RowError(f"{platform} 계정은 운영 종료(retired) 상태만 가능합니다")
    return {
        "platform": platform, "handle": handle,
        "defaults": {
            "display_name": display_name,
            "profile_url": (row.get("profile_url") or "").strip(),
            "platform_user_id": (row.get("platform_user_id") or "").strip(),
            "owner_division": divisions[division_code],
            "field": choice("field", Field.values),
            "district": district_code(district) if district else "",
            "is_mayor": boolean("is_mayor"),
            "is_polled": boolean("is_polled", default=True),
            "operator": (row.get("operator") or "").strip()[:100],
            "follower_count": number("follower_count", 0),
            "status": status,
            "poll_interval_seconds": max(number("poll_interval_seconds", 60), 10),
        },
    }


def import_registry_csv(text: str) -> ImportResult:
    """Create or update accounts from CSV. Any bad row: nothing is saved, every bad row is reported."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"platform", "handle", "display_name", "owner_division", "field"} - set(reader.fieldnames or [])
    if missing:
        result.errors.append(f"1행: 필수 열이 없습니다: {', '.join(sorted(missing))}")
        return result
    divisions = {d.code: d for d in Division.objects.all()}
    parsed, seen = [], set()
    for line, row in enumerate(reader, start=2):
        try:
            values = _parse_row(row, divisions)
            key = (values["platform"], values["handle"])
            if key in seen:
                raise _RowError(f"{key[0]} @{key[1]} 계정이 파일에 두 번 있습니다")
            seen.add(key)
            parsed.append(values)
        except _RowError as exc:
            result.errors.append(f"{line}행: {exc}")
    if result.errors:
        return result
    with transaction.atomic():
        for values in parsed:
            _, created = Account.objects.update_or_create(
                platform=values["platform"], handle=values["handle"], defaults=values["defaults"])
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result
