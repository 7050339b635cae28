"""Simulated messages say so wherever staff see them."""

from django.utils import timezone

from departments.models import Division
from messages_app.models import Message, Status
from users.models import User


def test_staff_screens_mark_simulated_messages(client, seeded):
    division = Division.objects.get(code="transport-policy")
    simulated = Message.objects.create(
        platform="x", external_id="sim-x-seoul_traffic-1", text="버스가 너무 안 와요", is_simulated=True,
        posted_at=timezone.now(), status=Status.ASSIGNED, division=division)
    real = Message.objects.create(
        platform="x", external_id="190000001", text="지하철 에어컨이 너무 세요", posted_at=timezone.now(),
        status=Status.ASSIGNED, division=division)
    client.force_login(User.objects.create_superuser("root", password="pw"))
    listing = client.get("/admin/messages_app/message/").content.decode()
    assert "[시뮬레이션] 버스가 너무 안 와요" in listing
    assert "[시뮬레이션] 지하철" not in listing
    assert "시뮬레이션" in client.get(f"/admin/messages_app/message/{simulated.pk}/change/").content.decode()
    assert "시뮬레이션" not in client.get(f"/admin/messages_app/message/{real.pk}/change/").content.decode()
