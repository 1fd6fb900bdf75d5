"""The OpenAPI schema: valid OpenAPI 3, and the API's real answers match it. The docs page."""

import pytest
from django.test import Client
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from devices.sandbox.data import FARM
from tests.api.test_devices import sn_path
from tests.helpers import inject

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/v1/schema/", format="json")
    assert response.status_code == 200
    return response.json()


def conforms(schema: dict, component: str, instance: dict) -> list[str]:
    """The errors of `instance` against a component of the schema (none: it conforms)."""
    root = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    return [
        f"{list(error.path)}: {error.message}"
        for error in OAS31Validator(root).iter_errors(instance)
    ]


def test_the_schema_is_valid_openapi_3(schema):
    validate_spec(schema)
    assert schema["openapi"] == "3.1.0"


def test_the_schema_names_every_endpoint_and_the_bearer_scheme(schema):
    assert set(schema["paths"]) == {
        "/api/v1/devices/sn/{sn}/",
        "/api/v1/devices/id/{dev_id}/",
        "/api/v1/users/{access_id}/devices/",
    }
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_ids_are_strings_in_the_schema(schema):
    device = schema["components"]["schemas"]["Device"]["properties"]
    assert device["device_id"]["type"] == ["string", "null"]
    assert device["owner_id"]["type"] == ["string", "null"]
    assert device["online_since"]["format"] == "date-time"


@pytest.mark.parametrize("key", ["online-wifi-mains", "sim-data-bundle", "vendor-example"])
def test_a_device_answer_conforms_to_the_schema(api, schema, key):
    body = api.get(sn_path(key)).json()

    assert conforms(schema, "DeviceAnswer", body) == []


def test_a_users_answer_conforms_to_the_schema(api, schema):
    body = api.get(f"/api/v1/users/{FARM}/devices/").json()

    assert conforms(schema, "UserAnswer", body) == []


def test_an_error_conforms_to_the_schema(api, schema, sandbox):
    inject(sandbox, "http429")

    body = api.get(sn_path("online-wifi-mains")).json()

    assert conforms(schema, "ErrorEnvelope", body) == []


def test_the_check_itself_catches_an_answer_that_breaks_the_schema(api, schema):
    body = api.get(sn_path("online-wifi-mains")).json()
    body["device"]["device_id"] = 3435178203944

    assert conforms(schema, "DeviceAnswer", body)


def test_the_schema_needs_a_token_or_a_session(staff):
    assert Client().get("/api/v1/schema/").status_code == 401
    signed_in = Client()
    signed_in.force_login(staff)
    assert signed_in.get("/api/v1/schema/").status_code == 200


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(staff_client):
    response = staff_client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/' in html
    assert "https://" not in html and "<style" not in html
    assert "<script>" not in html  # the start-up script is a file (the CSP allows no inline)
    script = staff_client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


def test_the_docs_page_needs_a_sign_in(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
