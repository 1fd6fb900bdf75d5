"""Request ids and client addresses in the audit log: trusted only from our own proxy; and the
application's time on every answer."""

import re
import time

from devices.models import Lookup

PAGE = "/devices/sn/876ABCDEF0347/"
HEADERS = {"HTTP_X_REQUEST_ID": "proxy-req-12345", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.2"}


def test_without_a_proxy_the_headers_a_caller_sends_are_ignored(staff_client):
    response = staff_client.get(PAGE, REMOTE_ADDR="198.51.100.7", **HEADERS)

    row = Lookup.objects.get()
    assert row.client_ip == "198.51.100.7"
    assert row.http_request_id != "proxy-req-12345"
    assert response["X-Request-ID"] == row.http_request_id


def test_behind_a_proxy_its_request_id_and_the_address_it_saw_are_kept(staff_client, settings):
    settings.BEHIND_PROXY = True

    staff_client.get(PAGE, REMOTE_ADDR="10.0.0.1", **HEADERS)

    row = Lookup.objects.get()
    assert (row.client_ip, row.http_request_id) == ("10.0.0.2", "proxy-req-12345")


def test_a_malformed_forwarded_address_falls_back_to_the_peer(staff_client, settings):
    settings.BEHIND_PROXY = True

    staff_client.get(PAGE, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")

    assert Lookup.objects.get().client_ip == "10.0.0.1"


def test_every_answer_says_how_long_the_application_took(staff_client):
    started = time.perf_counter()
    response = staff_client.get(PAGE)
    elapsed_ms = (time.perf_counter() - started) * 1000
    match = re.fullmatch(r"app;dur=(\d+\.\d)", response["Server-Timing"])
    assert match, response["Server-Timing"]
    assert 0 < float(match.group(1)) <= elapsed_ms
