"""integrations/zendesk: the app Zendesk installs is complete, and opens SupportDesk's sidebar."""

import json
import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "integrations" / "zendesk"


def test_the_manifest_puts_the_app_in_the_ticket_sidebar():
    manifest = json.loads((APP / "manifest.json").read_text())

    assert manifest["location"]["support"]["ticket_sidebar"]["url"] == "assets/iframe.html"
    assert manifest["frameworkVersion"] == "2.0"
    assert {p["name"] for p in manifest["parameters"]} == {
        "supportdesk_url",
        "identifier_fields",
        "kind",
    }


@pytest.mark.parametrize("language", ["en", "zh-cn"])
def test_every_setting_is_named_in_every_language(language):
    manifest = json.loads((APP / "manifest.json").read_text())
    names = json.loads((APP / "translations" / f"{language}.json").read_text())["app"]

    for parameter in manifest["parameters"]:
        assert names["parameters"][parameter["name"]]["label"]
    assert names["name"] and names["short_description"]


def test_the_assets_zendesk_needs_are_there():
    for name in ("iframe.html", "main.js", "logo.png", "logo-small.png"):
        assert (APP / "assets" / name).is_file(), name
    assert (APP / "assets" / "logo.png").read_bytes().startswith(b"\x89PNG")


def test_the_app_opens_the_sidebar_with_the_tickets_identifier():
    script = (APP / "assets" / "main.js").read_text()

    assert '"/embed/"' in script
    assert re.search(r'searchParams\.set\("q"', script)
    assert "ticket.customField:custom_field_" in script
    assert '<script src="main.js">' in (APP / "assets" / "iframe.html").read_text()
