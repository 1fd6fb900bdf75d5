"""English and Simplified Chinese: the translation is complete and the pages follow the browser."""

import re
from pathlib import Path

import polib
import pytest

from devices.sandbox.data import FAMILY
from supportdesk.translations import catalogues
from tests.helpers import sn_url

PO_FILES = catalogues()
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def test_the_dashboard_has_its_chinese_catalogue():
    assert Path("devices/locale/zh_Hans/LC_MESSAGES/django.po") in [
        path.relative_to(Path(__file__).resolve().parents[1]) for path in PO_FILES
    ]


@pytest.fixture(scope="module", params=PO_FILES, ids=lambda path: str(path.parent.parent.parent))
def catalogue(request) -> polib.POFile:
    return polib.pofile(str(request.param))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_no_message_is_defined_twice(catalogue):
    # polib reads a duplicate silently; GNU msgfmt (and every other tool) refuses the file.
    seen = [(entry.msgctxt, entry.msgid) for entry in catalogue]
    assert sorted(key for key in set(seen) if seen.count(key) > 1) == []


def test_every_translation_keeps_its_placeholders(catalogue):
    for entry in catalogue.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


@pytest.mark.django_db
class TestPages:
    @pytest.fixture
    def chinese_client(self, staff_client):
        staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9,en;q=0.5"
        return staff_client

    def test_the_search_page(self, chinese_client):
        content = chinese_client.get("/").content.decode()
        assert '<html lang="zh-hans">' in content
        assert "客户提供了什么信息？" in content
        assert "自动识别" in content
        assert "时间均为 Asia/Shanghai 时区（UTC+8）。" in content

    def test_a_device_page(self, chinese_client):
        content = chinese_client.get(sn_url("storage-expired")).content.decode()
        assert "云存储已于 12 天前到期" in content
        assert "全时录像" in content
        assert "从厂商刷新" in content

    def test_a_users_page(self, chinese_client):
        content = chinese_client.get(f"/users/{FAMILY}/devices/").content.decode()
        assert "共 5 台设备，均归该用户所有；1 台需要关注" in content

    def test_my_lookups(self, chinese_client):
        chinese_client.get(sn_url("storage-expired"))
        content = chinese_client.get("/lookups/").content.decode()
        assert "我的查询" in content
        assert "已找到" in content

    def test_a_browser_asking_for_english_gets_english(self, client, staff):
        client.force_login(staff)
        content = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
        assert "What did the customer give you?" in content
