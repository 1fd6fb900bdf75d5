"""Fixtures for the API tests: a token acting as support staff, and a client that sends it."""

from dataclasses import dataclass

import pytest
from django.test import Client

from devices.api.tokens import token_create

TOKEN_NAME = "zendesk-prod"


@dataclass
class ApiClient:
    """The test client with `Authorization: Bearer <token>` on every request."""

    client: Client
    token: str

    def get(self, path: str, **query: str):
        return self.client.get(path, query, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def staff_token(staff) -> str:
    return token_create(name=TOKEN_NAME, user=staff)[1]


@pytest.fixture
def api(client, staff_token, credential) -> ApiClient:
    """Support staff's token, with the sandbox as the default credential."""
    return ApiClient(client, staff_token)
