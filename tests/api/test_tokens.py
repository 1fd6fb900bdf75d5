"""create_api_token, and API tokens in admin (superusers only; listed with last use; revocable)."""

from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from devices.api.models import ApiToken
from devices.api.serializers import dataclass_serializer
from devices.api.tokens import digest_of, token_create

pytestmark = pytest.mark.django_db


def create(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class TestCreateApiToken:
    def test_it_prints_the_token_alone_on_the_last_line_and_stores_its_digest(self, staff):
        out, err = create("zendesk-prod", "--user", "staff")

        token = out.splitlines()[-1]
        assert token.startswith("sdk_") and " " not in token
        row = ApiToken.objects.get()
        assert (row.name, row.user, row.digest) == ("zendesk-prod", staff, digest_of(token))
        assert err == ""

    def test_the_token_works_with_the_api(self, client, staff, credential):
        token = create("script", "--user", "staff")[0].splitlines()[-1]

        response = client.get(
            "/api/v1/devices/sn/876ABCDEF0347/", headers={"Authorization": f"Bearer {token}"}
        )

        assert response.status_code == 200

    def test_an_unknown_user_is_refused(self, db):
        with pytest.raises(CommandError, match="There is no user 'nobody'"):
            create("x", "--user", "nobody")
        assert not ApiToken.objects.exists()

    def test_a_live_name_cannot_be_taken_twice(self, staff):
        create("zendesk-prod", "--user", "staff")

        with pytest.raises(CommandError, match="already named 'zendesk-prod'"):
            create("zendesk-prod", "--user", "staff")

    def test_a_revoked_tokens_name_can_be_reused(self, staff):
        create("zendesk-prod", "--user", "staff")
        ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")

        create("zendesk-prod", "--user", "staff")

        assert ApiToken.objects.filter(name="zendesk-prod").count() == 2

    def test_a_name_must_be_a_slug(self, staff):
        with pytest.raises(CommandError, match="NAME must be"):
            create("two words", "--user", "staff")

    def test_a_user_who_may_not_look_up_gets_a_warning_but_a_token(self, outsider):
        err = create("later", "--user", "outsider")[1]

        assert "403" in err
        assert ApiToken.objects.filter(user=outsider).exists()

    def test_an_inactive_user_is_refused(self, staff):
        staff.is_active = False
        staff.save()

        with pytest.raises(CommandError, match="inactive"):
            create("x", "--user", "staff")


class TestAdmin:
    URL = "/admin/api/apitoken/"

    def test_a_superuser_sees_tokens_with_their_last_use_and_no_secret(self, client, superuser):
        row, token = token_create(name="zendesk-prod", user=superuser)
        client.force_login(superuser)

        response = client.get(self.URL)

        assert response.status_code == 200
        html = response.content.decode()
        assert "zendesk-prod" in html and row.hint in html
        assert "Last used" in html
        assert token not in html and row.digest not in html

    def test_a_superuser_revokes_a_token_and_it_stops_working(
        self, client, superuser, staff, credential
    ):
        row, token = token_create(name="leaked", user=staff)
        client.force_login(superuser)

        response = client.post(
            self.URL, {"action": "revoke", "_selected_action": [row.pk]}, follow=True
        )

        assert "1 token revoked." in response.content.decode()
        row.refresh_from_db()
        assert row.revoked_at is not None
        api = client.get(
            "/api/v1/devices/sn/876ABCDEF0347/", headers={"Authorization": f"Bearer {token}"}
        )
        assert api.status_code == 401

    @pytest.mark.parametrize("person", ["lead", "staff"])
    def test_nobody_else_sees_tokens(self, client, request, person):
        user = request.getfixturevalue(person)
        user.is_staff = True
        user.save()
        client.force_login(user)

        assert client.get(self.URL).status_code == 403
        assert "API tokens" not in client.get("/admin/").content.decode()

    def test_tokens_are_not_added_or_deleted_in_admin(self, client, superuser):
        row, _ = token_create(name="kept", user=superuser)
        client.force_login(superuser)

        assert client.get(self.URL + "add/").status_code == 403
        assert client.get(f"{self.URL}{row.pk}/delete/").status_code == 403


def test_a_field_added_to_a_presenters_dataclass_appears_in_the_api():
    @dataclass(frozen=True)
    class Reply:
        en: str
        zh: str

    @dataclass(frozen=True)
    class Verdict:
        text: str
        tone: str
        next_step: str = ""
        reply: Reply | None = None

    data = dataclass_serializer(Verdict)(
        Verdict("Offline", "bad", "Ask for a restart", Reply("Please restart", "请重启"))
    ).data

    assert data == {
        "text": "Offline",
        "tone": "bad",
        "next_step": "Ask for a restart",
        "reply": {"en": "Please restart", "zh": "请重启"},
    }
