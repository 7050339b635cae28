from accounts.seed import TODAY_ACCOUNTS
from users.models import User


def test_registry_admin_counts_todays_inflow_in_one_query(client, seeded, django_assert_max_num_queries):
    client.force_login(User.objects.create_superuser("ops", password="pw"))
    client.get("/admin/accounts/account/")  # warm up sessions and content types
    with django_assert_max_num_queries(12):
        response = client.get("/admin/accounts/account/")
    assert response.status_code == 200
    assert response.content.decode().count('class="field-messages_today"') == 44 + len(TODAY_ACCOUNTS) + 25


def test_the_staff_queue_does_not_query_per_row(client, seeded, django_assert_max_num_queries):
    from django.utils import timezone

    from accounts.models import Account
    from departments.models import Division
    from messages_app.models import Message, Status

    divisions = list(Division.objects.all()[:10])
    account = Account.objects.get(platform="x", handle="seoulmania")
    Message.objects.bulk_create(
        Message(platform="x", external_id=f"q{n}", account=account, text=f"민원 {n}", posted_at=timezone.now(),
                status=Status.ASSIGNED, division=divisions[n % 10]) for n in range(40))
    client.force_login(User.objects.create_superuser("ops", password="pw"))
    client.get("/admin/messages_app/message/")
    with django_assert_max_num_queries(20):
        response = client.get("/admin/messages_app/message/")
    assert response.content.decode().count('class="field-excerpt"') == 40
