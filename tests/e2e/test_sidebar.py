"""The helpdesk sidebar in a real browser: framed by a helpdesk page from another site, signed in
inside the frame, handed a Chatwoot-style appContext, showing that device's verdict; and refused
to a page whose origin is not in EMBED_FRAME_ANCESTORS.

Screenshots: var/screenshots/sidebar-*.png (English and Chinese).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devices.sandbox.data import FAMILY, device_by_key
from tests.e2e.conftest import (
    CREATE_USER,
    HELPDESK_ORIGIN,
    HELPDESK_PORT,
    LiveApp,
    _free_port,
    _manage,
)

pytestmark = pytest.mark.e2e

SIDEBAR_WIDTH = 360
AGENT, AGENT_PASSWORD = "lin", "e2e sidebar correct horse battery staple"


@pytest.fixture(scope="module")
def agent_app(live_app) -> LiveApp:
    """The live app, signed into as an agent of our own: the journey test counts Mei's lookups."""
    _manage(
        live_app.env, "shell", "-c", CREATE_USER.format(username=AGENT, password=AGENT_PASSWORD)
    )
    return LiveApp(url=live_app.url, username=AGENT, password=AGENT_PASSWORD, env=live_app.env)


# A Chatwoot conversation whose contact carries the camera's serial number. Like Chatwoot, the
# page posts it as a JSON string when the frame loads and whenever the frame asks for it.
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Helpdesk</title></head>
<body>
<h1>Conversation #42</h1>
<iframe id="app" title="SupportDesk" src="{src}" width="{width}" height="760"></iframe>
<script>
  const frame = document.getElementById("app");
  const context = {{
    event: "appContext",
    data: {{
      conversation: {{ id: 42, custom_attributes: {{}} }},
      contact: {{ id: 7, name: "A customer", custom_attributes: {{ device_sn: "{sn}" }} }},
      currentAgent: {{ id: 1, name: "Mei" }},
    }},
  }};
  window.fetchInfoRequests = 0;
  const send = () => frame.contentWindow.postMessage(JSON.stringify(context), "*");
  frame.addEventListener("load", send);
  window.addEventListener("message", (event) => {{
    if (event.source === frame.contentWindow &&
        event.data === "chatwoot-dashboard-app:fetch-info") {{
      window.fetchInfoRequests += 1;
      send();
    }}
  }});
</script>
</body></html>
"""


class HelpdeskPage:
    """A page served from its own origin (http://localhost:<port>/) that frames the sidebar."""

    def __init__(self, port: int, html: str):
        body = html.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://localhost:{port}/"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def host_page(app: LiveApp, sn: str) -> str:
    return HOST_PAGE.format(src=f"{app.url}/embed/", width=SIDEBAR_WIDTH, sn=sn)


def sign_in_inside_the_frame(frame, app: LiveApp, *, username="Username", password="Password"):
    frame.get_by_label(username).fill(app.username)
    frame.get_by_label(password).fill(app.password)
    frame.locator("button[type=submit].primary").click()


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize(
    ("locale", "labels", "expected"),
    [
        ("en-US", ("Username", "Password"), "Offline for 20 days"),
        ("zh-CN", ("用户名", "密码"), "已离线 20 天"),
    ],
    ids=["english", "chinese"],
)
def test_a_chatwoot_conversation_opens_its_cameras_verdict_in_the_sidebar(
    browser, agent_app, screenshots, locale, labels, expected
):
    device = device_by_key("sim-expired")
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = _console_errors(page)
    with HelpdeskPage(HELPDESK_PORT, host_page(agent_app, device.sn)) as helpdesk:
        page.goto(helpdesk.url)
        frame = page.frame_locator("#app")
        # Not signed in inside the frame yet: the normal sign-in, framed.
        sign_in_inside_the_frame(frame, agent_app, username=labels[0], password=labels[1])

        verdict = frame.locator("#verdict-text")
        verdict.wait_for()
        assert verdict.inner_text().startswith(expected)
        sidebar = next(f for f in page.frames if "/embed/" in f.url)
        assert f"q={device.sn}" in sidebar.url
        assert "reason=Chatwoot" in sidebar.url
        assert page.evaluate("window.fetchInfoRequests") >= 1
        assert frame.locator(".facts").is_visible()
        full_page = frame.locator("a.button[target=_blank]")
        assert full_page.get_attribute("href").startswith(f"/devices/sn/{device.sn}/")
        # Nothing wider than the frame.
        assert sidebar.evaluate("document.documentElement.scrollWidth") <= SIDEBAR_WIDTH
        # The page's advice: the next step, and the reply in both languages.
        assert frame.locator("#advice-title").is_visible()
        assert frame.locator("textarea.reply-text").count() == 2
        page.locator("#app").screenshot(path=str(screenshots.folder / f"sidebar-{locale}.png"))
        screenshots(page, f"sidebar-in-helpdesk-{locale}")

        # The customer sends two serial numbers on two lines: each becomes a link in the frame.
        other = device_by_key("sim-data-used-up")
        box = frame.locator("#sidebar-q")
        box.fill(f"{device.sn}\n{other.sn.lower()}")
        box.press("Enter")
        links = frame.locator(".candidate-list a")
        links.first.wait_for()
        assert [links.nth(i).inner_text() for i in range(links.count())] == [device.sn, other.sn]
        page.locator("#app").screenshot(
            path=str(screenshots.folder / f"sidebar-two-pasted-{locale}.png")
        )
        asked = page.evaluate("window.fetchInfoRequests")
        links.nth(1).click()
        verdict.wait_for()
        # The frame asked the helpdesk for the context again and was answered with the same
        # conversation: what the agent opened stays open.
        page.wait_for_function(f"window.fetchInfoRequests > {asked}")
        page.wait_for_timeout(500)
        assert f"q={other.sn}" in sidebar.url
        # Its data bundle too, read from the owner's list as the page does.
        assert ("5,120" in verdict.inner_text()) and frame.locator("#advice-title").is_visible()
        assert sidebar.evaluate("document.documentElement.scrollWidth") <= SIDEBAR_WIDTH
        page.locator("#app").screenshot(
            path=str(screenshots.folder / f"sidebar-data-used-up-{locale}.png")
        )
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors
    context.close()


def _wait_until(condition, page, seconds: float = 15.0) -> None:
    """Poll `condition` (a frame's URL, say: cross-origin, so not from the page's script)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(100)


def test_another_conversation_opens_its_own_identifier_or_an_empty_sidebar(
    browser, agent_app, screenshots
):
    device, other = device_by_key("sim-expired"), device_by_key("offline-hours")
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    with HelpdeskPage(HELPDESK_PORT, host_page(agent_app, device.sn)) as helpdesk:
        page.goto(helpdesk.url)
        frame = page.frame_locator("#app")
        sign_in_inside_the_frame(frame, agent_app)
        frame.locator("#verdict-text").wait_for()
        sidebar = next(f for f in page.frames if "/embed/" in f.url)

        # The agent moves to conversation #43, whose contact has another camera.
        page.evaluate(
            "([sn]) => { context.data.conversation.id = 43;"
            " context.data.contact.custom_attributes.device_sn = sn; send(); }",
            [other.sn],
        )
        _wait_until(lambda: f"q={other.sn}" in sidebar.url, page)
        assert "reason=Chatwoot+%2343" in sidebar.url
        frame.locator("#verdict-text").wait_for()

        # Then to #44, with no identifier at all: the sidebar empties, keeping #44's reason for
        # what the agent types, and says so.
        page.evaluate(
            "() => { context.data.conversation.id = 44;"
            " context.data.contact.custom_attributes = {}; send(); }"
        )
        _wait_until(lambda: sidebar.url.endswith("/embed/?reason=Chatwoot+%2344"), page)
        status = frame.locator("[data-context-status]")
        status.filter(has_text="no device or user id").wait_for()
        assert frame.locator('input[name="reason"]').get_attribute("value") == "Chatwoot #44"

        # #45's contact carries a cloud user id: the user's devices, each row's state, battery
        # and model filled in by the list's own checks, inside the frame.
        page.evaluate(
            "([user]) => { context.data.conversation.id = 45;"
            " context.data.contact.custom_attributes = {cloud_user_id: user}; send(); }",
            [str(FAMILY)],
        )
        _wait_until(lambda: f"q={FAMILY}" in sidebar.url, page)
        frame.locator("[data-progress]").filter(has_text="All 5 devices checked").wait_for()
        assert frame.locator('tr[data-checked="ok"]').count() == 5  # none failed
        assert sidebar.evaluate("document.documentElement.scrollWidth") <= SIDEBAR_WIDTH
        page.locator("#app").screenshot(path=str(screenshots.folder / "sidebar-user-list.png"))
    context.close()


def test_a_page_whose_origin_is_not_allowed_cannot_frame_the_sidebar(browser, agent_app):
    device = device_by_key("sim-expired")
    context = browser.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    refusals: list[str] = []
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    with HelpdeskPage(_free_port(), host_page(agent_app, device.sn)) as stranger:
        page.goto(stranger.url)
        page.wait_for_timeout(1500)

        sidebar = page.frames[1]
        assert sidebar.locator("body.sidebar").count() == 0
        assert sidebar.locator("input").count() == 0  # not even the sign-in form
    assert refusals and "blocked" in refusals[0]
    assert HELPDESK_ORIGIN in refusals[0]  # the policy names only the allowed helpdesk
    context.close()


def test_the_api_docs_render_from_our_own_files_without_a_script_error(browser, agent_app):
    context = browser.new_context(base_url=agent_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = _console_errors(page)
    external: list[str] = []
    page.on(
        "request",
        lambda request: (
            external.append(request.url) if not request.url.startswith(agent_app.url) else None
        ),
    )
    page.goto("/api/v1/docs/")
    page.get_by_label("Username").fill(agent_app.username)
    page.get_by_label("Password").fill(agent_app.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/api/v1/docs/")

    page.locator(".swagger-ui .info .title").wait_for()
    assert "SupportDesk API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/devices/sn/{sn}/").wait_for()
    assert external == []
    assert [e for e in errors if "Failed to load resource" not in e] == [], json.dumps(errors)
    context.close()
