from django.db import transaction

from .models import Bureau, Division
from .seed import ORG_CHART, SMC_DESK_CODE


@transaction.atomic
def seed_org_chart() -> None:
    """Create or update the seeded bureaus and divisions. Running it twice changes nothing."""
    for order, (code, name_ko, name_en, divisions) in enumerate(ORG_CHART):
        bureau, _ = Bureau.objects.update_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "order": order})
        for division_code, division_ko, division_en in divisions:
            Division.objects.update_or_create(
                code=division_code,
                defaults={"bureau": bureau, "name_ko": division_ko, "name_en": division_en,
                          "is_smc_desk": division_code == SMC_DESK_CODE},
            )


def smc_desk() -> Division:
    return Division.objects.get(is_smc_desk=True)
