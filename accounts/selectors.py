from itertools import groupby

from .models import Account, Field


def accounts_by_field() -> list[tuple[str, list[Account]]]:
    """[(field label, [accounts…]), …] in the order of the Field choices."""
    accounts = Account.objects.select_related("owner_division").exclude(platform__in=["phone", "web"])
    order = {value: index for index, value in enumerate(Field.values)}
    ordered = sorted(accounts, key=lambda a: (order.get(a.field, 99), a.platform, a.handle))
    return [(Field(field).label, list(group)) for field, group in groupby(ordered, key=lambda a: a.field)]
