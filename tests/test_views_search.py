"""The search page: one box, a detected kind, and a redirect to the deep link."""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission, User

from devices.models import Lookup
from devices.sandbox.data import FAMILY, device_by_key
from tests.helpers import vendor_requests

pytestmark = pytest.mark.django_db

USER_ID = str(FAMILY)


def test_the_search_page_has_the_box_the_kinds_and_the_optional_fields(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="q"' in content
    for kind in ("detect", "sn", "dev_id", "user"):
        assert f'name="kind" value="{kind}"' in content
    assert 'name="owner"' in content
    assert 'name="reason"' in content
    assert 'name="credential"' not in content  # only one region


def test_a_serial_number_goes_to_its_page_and_says_what_it_was_read_as(staff_client):
    sn = device_by_key("online-wifi-mains").sn
    response = staff_client.post("/", {"q": f" {sn} ", "kind": "detect"}, follow=True)
    assert response.redirect_chain == [(f"/devices/sn/{sn}/", 302)]
    assert f"“{sn}” was read as a serial number." in response.content.decode()


def test_a_device_id_typed_in_full_width_goes_to_its_page(staff_client):
    response = staff_client.post("/", {"q": "３４３５１７８２０３９４４", "kind": "detect"})
    assert response.status_code == 302
    assert response["Location"] == "/devices/id/3435178203944/"


def test_a_user_id_goes_to_the_users_page_with_the_reason(staff_client):
    response = staff_client.post("/", {"q": USER_ID, "reason": "T-42"})
    assert response["Location"] == f"/users/{USER_ID}/devices/?reason=T-42"


def test_an_owner_goes_along_with_a_device_lookup(staff_client):
    response = staff_client.post("/", {"q": "876ABCDEF0347", "owner": USER_ID, "kind": "sn"})
    assert response["Location"] == f"/devices/sn/876ABCDEF0347/?access_id={USER_ID}"


def test_invalid_input_gets_a_message_next_to_the_box_and_an_audit_row(
    staff_client, staff, sandbox
):
    response = staff_client.post("/", {"q": "876/ABC", "kind": "detect", "reason": "T-1"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="q-errors"' in content
    assert "A serial number is 4 to 40 letters" in content
    assert 'aria-invalid="true"' in content
    row = Lookup.objects.get()
    assert (row.user, row.outcome, row.kind, row.value, row.reason) == (
        staff,
        "invalid_input",
        "sn",
        "876/ABC",
        "T-1",
    )
    assert vendor_requests(sandbox) == 0


def test_an_empty_search_asks_again_without_an_audit_row(staff_client):
    response = staff_client.post("/", {"q": "  "})
    assert "Type the serial number, device id or user id" in response.content.decode()
    assert not Lookup.objects.exists()


def test_the_reason_is_required_for_a_user_when_the_policy_says_so(staff_client, settings):
    settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
    response = staff_client.post("/", {"q": USER_ID})
    assert response.status_code == 200
    assert "it is required to look up a user" in response.content.decode()
    assert Lookup.objects.get().outcome == "invalid_input"


def test_several_regions_give_a_choice_that_goes_into_the_link(staff_client, another_region):
    content = staff_client.get("/").content.decode()
    assert 'name="credential"' in content
    response = staff_client.post("/", {"q": "876ABCDEF0347", "credential": "eu"})
    assert response["Location"] == "/devices/sn/876ABCDEF0347/?credential=eu"


def test_the_search_box_can_be_prefilled_from_a_link(staff_client):
    content = staff_client.get("/?q=876%2FABC&kind=sn").content.decode()
    assert ">876/ABC</textarea>" in content  # a textarea: pasted lines stay apart
    assert '<input type="radio" name="kind" value="sn" id="id_kind_1" checked>' in content
    assert '<input type="radio" name="kind" value="detect" id="id_kind_0">' in content


def test_without_a_credential_the_page_warns_before_anyone_searches(client, staff):
    client.force_login(staff)
    content = client.get("/").content.decode()
    assert "No vendor credential is configured or enabled" in content


@pytest.fixture
def demo_mode(settings):
    """What `DEMO_MODE=1` configures: the sandbox's sample customers reach the templates."""
    settings.DEMO_MODE = True
    (engine,) = settings.TEMPLATES
    processors = [*engine["OPTIONS"]["context_processors"], "devices.sandbox.demo.samples"]
    options = engine["OPTIONS"] | {"context_processors": processors}
    settings.TEMPLATES = [engine | {"OPTIONS": options}]


def test_the_demo_lists_sample_identifiers_as_links(staff_client, demo_mode):
    content = staff_client.get("/").content.decode()
    sn = device_by_key("online-wifi-mains").sn
    assert f'href="/devices/sn/{sn}/"' in content
    assert f'href="/users/{USER_ID}/devices/"' in content


def test_outside_the_demo_no_samples_are_listed(staff_client, settings):
    settings.DEMO_MODE = False
    assert "sample customers" not in staff_client.get("/").content.decode()


def test_a_serial_number_typed_in_lower_case_is_looked_up_in_upper_case(staff_client):
    sn = device_by_key("offline-hours").sn
    response = staff_client.post("/", {"q": sn.lower()}, follow=True)
    assert response.redirect_chain == [(f"/devices/sn/{sn}/", 302)]
    assert response.status_code == 200  # found: the vendor knows it in upper case


def test_a_serial_number_in_a_lower_case_link_is_looked_up_in_upper_case(staff_client):
    sn = device_by_key("offline-hours").sn
    response = staff_client.get(f"/devices/sn/{sn.lower()}/")
    assert response.status_code == 200
    assert Lookup.objects.get().value == sn


def test_a_label_pasted_with_the_serial_number_is_dropped(staff_client):
    sn = device_by_key("offline-hours").sn
    for pasted in (f"SN: {sn}", f"S/N {sn}", f"序列号：{sn}"):
        response = staff_client.post("/", {"q": pasted})
        assert response["Location"] == f"/devices/sn/{sn}/", pasted


def test_several_identifiers_pasted_at_once_are_listed_as_links_without_a_lookup(
    staff_client, sandbox
):
    sn, sn2 = device_by_key("offline-hours").sn, device_by_key("asleep").sn
    response = staff_client.post("/", {"q": f"{sn.lower()}\n{sn2}\nbad/one", "reason": "T-7"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "You pasted 3 identifiers: open each one." in content
    assert f'href="/devices/sn/{sn}/?reason=T-7"' in content
    assert f'href="/devices/sn/{sn2}/?reason=T-7"' in content
    assert "bad/one" in content and 'href="/devices/sn/bad/one' not in content
    assert vendor_requests(sandbox) == 0
    assert not Lookup.objects.exists()


def test_several_identifiers_offer_a_bulk_job_to_who_may_run_one(
    staff, client, credential, sandbox
):
    sn, sn2 = device_by_key("offline-hours").sn, device_by_key("asleep").sn
    pasted = {"q": f"{sn.lower()}\n{sn2}\nbad/one", "reason": "T-7"}
    client.force_login(staff)
    assert "bulk job" not in client.post("/", pasted).content.decode()

    staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="bulk", codename="run_bulk_lookups")
    )
    staff = User.objects.get(pk=staff.pk)  # permissions are cached on the instance
    client.force_login(staff)
    content = client.post("/", pasted).content.decode()
    bulk = f'href="/bulk/?{urlencode({"identifiers": f"{sn}\n{sn2}", "reason": "T-7"})}"'
    assert bulk.replace("&", "&amp;") in content
    assert "Look all 2 up at once in a bulk job" in content
    # The bulk form comes filled in, for the person to read and start: nothing is asked yet.
    form = client.get(f"/bulk/?{urlencode({'identifiers': f'{sn}\n{sn2}', 'reason': 'T-7'})}")
    assert f"{sn}\n{sn2}</textarea>" in form.content.decode()
    assert 'value="T-7"' in form.content.decode()
    assert vendor_requests(sandbox) == 0


def test_a_positive_user_id_asks_whether_the_minus_was_lost(staff_client, sandbox):
    positive = USER_ID.lstrip("-")
    response = staff_client.post("/", {"q": positive, "reason": "T-8"})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Did you mean {USER_ID}?" in content
    assert f'href="/users/{USER_ID}/devices/?reason=T-8"' in content
    assert f'href="/users/{positive}/devices/?reason=T-8"' in content  # as typed, second
    assert content.index(f"/users/{USER_ID}/") < content.index(f"/users/{positive}/")
    assert vendor_requests(sandbox) == 0
