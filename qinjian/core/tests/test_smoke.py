import pytest

from qinjian.core.models import SecurityEvent
from qinjian.testing.factories import DEFAULT_PASSWORD, make_user


@pytest.mark.django_db
def test_login_then_home_shows_shell(client, mini_city):
    user = make_user("center_office", mini_city.center)
    response = client.post("/accounts/login/", {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "工作台" in html and "中心综合处" in html
    assert SecurityEvent.objects.filter(event_type="login", username=user.username).count() == 1


@pytest.mark.django_db
def test_healthz_reports_database(client):
    data = client.get("/healthz").json()
    assert data["database"]["status"] == "ok"
    assert data["worker"]["status"] == "missing"


@pytest.mark.django_db
def test_healthz_reports_worker_heartbeat(client):
    from datetime import timedelta

    from django.utils import timezone

    from qinjian.core.jobs import beat
    from qinjian.core.models import WorkerHeartbeat

    beat()
    data = client.get("/healthz").json()
    assert data["status"] == "ok" and data["worker"]["status"] == "ok"
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=10))
    data = client.get("/healthz").json()
    assert data["status"] == "degraded" and data["worker"]["status"] == "stale"


@pytest.mark.django_db
def test_heartbeat_job_runs_through_huey():
    from qinjian.core.jobs import worker_heartbeat
    from qinjian.core.models import WorkerHeartbeat

    worker_heartbeat()  # immediate mode in tests: runs inline through the huey task machinery
    assert WorkerHeartbeat.objects.count() == 1
