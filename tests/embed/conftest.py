"""Fixtures for the sidebar: a client signed in on the sidebar's own session cookie."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest


def sign_in_to_the_sidebar(client, user) -> None:
    """What signing in inside the frame leaves: a session under the sidebar's cookie only."""
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    client.cookies[settings.EMBED_SESSION_COOKIE_NAME] = request.session.session_key


@pytest.fixture
def sidebar_client(client, staff, credential):
    """Support staff signed in to the sidebar, with the sandbox as the default credential."""
    sign_in_to_the_sidebar(client, staff)
    return client
