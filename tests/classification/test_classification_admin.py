import pytest

from classification import training, versions
from classification.models import ClassifierModel
from users.models import User


@pytest.fixture
def two_versions(db):
    model = training.train(training.corpus_rows())
    metrics = {"evaluated_on": "heldout", "heldout": 396,
               "type": {"accuracy": 0.9731, "macro_f1": 0.97, "per_label_f1": {"support": 0.99}},
               "topic": {"accuracy": 0.8364, "macro_f1": 0.82, "per_label_f1": {"transport": 0.85}},
               "division": {"accuracy": 0.8123}, "other_field": {"rows": 169, "division_accuracy": 0.8456}}
    first = versions.save_model(model, metrics)
    second = versions.save_model(model)
    return first, second


def test_admin_shows_the_version_in_use_and_its_metrics(client, two_versions):
    first, second = two_versions
    client.force_login(User.objects.create_superuser("root", password="pw"))
    html = client.get("/admin/classification/classifiermodel/").content.decode()
    assert first.version in html and second.version in html
    assert "0.973" in html and "0.836" in html and "0.812" in html and "0.846" in html
    detail = client.get(f"/admin/classification/classifiermodel/{first.pk}/change/").content.decode()
    assert "교통 (transport) F1: 0.850" in detail
    assert "보류 세트 396건" in detail


def test_admin_switches_the_active_version_and_the_classifier_follows(client, two_versions):
    first, second = two_versions
    assert versions.active_model().version == second.version
    client.force_login(User.objects.create_superuser("root", password="pw"))
    response = client.post("/admin/classification/classifiermodel/",
                           {"action": "activate", "_selected_action": [first.pk]})
    assert response.status_code == 302
    assert list(ClassifierModel.objects.filter(is_active=True).values_list("pk", flat=True)) == [first.pk]
    assert versions.active_model().version == first.version
