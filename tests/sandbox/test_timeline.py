"""The sandbox device that comes back online some seconds after it is first asked."""

import json
import urllib.request

from devices.sandbox.data import device_by_key
from devices.sandbox.timeline import Timeline

DEVICE = device_by_key("comes-back-online")


def test_it_answers_offline_until_its_time_then_online_since_then():
    timeline = Timeline(after_seconds=30)
    assert timeline.current(DEVICE, 1000.0).presence.online == 0
    assert timeline.current(DEVICE, 1029.0).presence.online == 0
    back = timeline.current(DEVICE, 1040.0)
    assert back.presence.online == 1
    assert back.presence.changed_ago == 10  # online since 1030
    assert back.presence.power_charging == "1"


def test_a_reset_starts_the_story_again():
    timeline = Timeline(after_seconds=30)
    timeline.current(DEVICE, 1000.0)
    timeline.reset()
    assert timeline.current(DEVICE, 1040.0).presence.online == 0


def test_other_devices_never_change():
    timeline = Timeline(after_seconds=0)
    other = device_by_key("offline-hours")
    assert timeline.current(other, 1e9) is other


def test_the_control_endpoint_sets_the_delay(sandbox):
    request = urllib.request.Request(
        f"{sandbox.base_url}/_timeline", data=json.dumps({"after_seconds": 2}).encode()
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.load(answer) == {"after_seconds": 2.0}
    assert sandbox.vendor.timeline.after_seconds == 2.0
    sandbox.vendor.timeline.reset(after_seconds=45)
