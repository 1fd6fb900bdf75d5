import json
from pathlib import Path

import pytest
import responses

from devices.gwell import AppCredentials, VendorClient

DATA = Path(__file__).parent / "data"

BASE_URL = "https://openapi.example.com"
DEV_INFO_URL = f"{BASE_URL}/openapi/custCloud/oss/devInfo"
DEV_LIST_URL = f"{BASE_URL}/openapi/custCloud/oss/devList"
APP_ID = "0000175a370efbbe852dc1cd1b0b877e"
APP_TOKEN = "TOKEN-a844e8320c75a5c-never-show-me"
APP_KEY = "KEY-Gu5t9xGARNpq86cd98joQYCN3-never-show-me"
NOW = 1696757960.0


def data_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def envelope_text(data=None, *, code: int = 0, msg: str = "ok", request_id: str = "req-1") -> str:
    return json.dumps(
        {"code": code, "data": data, "msg": msg, "requestId": request_id}, ensure_ascii=False
    )


@pytest.fixture
def app() -> AppCredentials:
    return AppCredentials(base_url=BASE_URL, app_id=APP_ID, app_token=APP_TOKEN, app_key=APP_KEY)


@pytest.fixture
def client(app) -> VendorClient:
    return VendorClient(app, clock=lambda: NOW)


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock
