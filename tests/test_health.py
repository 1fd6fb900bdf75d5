import pytest
from django.urls import reverse

from devices import health


def test_it_reports_every_part_ok_without_login(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "limiter": "ok"},
    }


def test_it_answers_503_and_names_the_part_that_fails(client, db, monkeypatch):
    def broken() -> str:
        raise ConnectionError("limiter store is gone")

    monkeypatch.setitem(health.CHECKS, "limiter", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["limiter"] == "error: ConnectionError"
    assert response.json()["checks"]["database"] == "ok"


def test_it_reports_unapplied_migrations(client, db, monkeypatch):
    class Executor:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})

        def migration_plan(self, targets):
            return ["one", "two"]

    monkeypatch.setattr(health, "MigrationExecutor", Executor)
    monkeypatch.setattr(health, "_migrated", False)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "2 unapplied"


@pytest.mark.redis
def test_it_sees_a_redis_limiter_that_cannot_be_reached(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"]["limiter"].startswith("error")


def test_it_makes_no_vendor_call_and_shows_no_secret(client, credential, sandbox):
    response = client.get(reverse("healthz"))

    assert sandbox.vendor.stats()["requests"] == 0
    assert credential.app_token not in response.text
    assert credential.app_key not in response.text
