"""A real OpenID Connect provider process for the sign-in tests (no Django here).

`provider.mjs` runs the certified `oidc-provider` npm package on Node.js, on 127.0.0.1; its
packages are installed by `make test` (`npm ci` in this folder). `OidcProvider` starts it with
one client, lets a test rewrite the people it knows (and their groups), and stops or restarts it
on the same port (the provider being down).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "supportdesk"
CLIENT_SECRET = "test-client-secret-for-supportdesk-0123456789"


@dataclass
class Person:
    login: str
    password: str
    sub: str
    claims: dict = field(default_factory=dict)


class OidcProvider:
    def __init__(self, folder: Path, *, redirect_uris: list[str], logout_uris: list[str]) -> None:
        node = shutil.which("node")
        if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(
                "the test identity provider needs Node.js and its packages: run `make test` "
                "(or `npm ci` in tests/oidc_provider)"
            )
        self.node = node
        self.folder = folder
        self.accounts_path = folder / "accounts.json"
        self.config_path = folder / "provider.json"
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.config = {
            "accounts": str(self.accounts_path),
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                    "post_logout_redirect_uris": logout_uris,
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "client_secret_post",
                }
            ],
        }
        self.set_people([])

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_people(self, people: list[Person]) -> None:
        """Who can sign in, with which claims; read by the provider at every sign-in."""
        accounts = {
            person.login: {"password": person.password, "sub": person.sub, "claims": person.claims}
            for person in people
        }
        self.accounts_path.write_text(json.dumps(accounts))

    def start(self) -> OidcProvider:
        self.config_path.write_text(json.dumps({**self.config, "port": self.port}))
        log = (self.folder / "provider.log").open("a")
        self.process = subprocess.Popen(
            [self.node, str(HERE / "provider.mjs"), str(self.config_path)],
            cwd=HERE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        line = self.process.stdout.readline()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the identity provider did not start: see {self.folder}")
        self.port = int(line.rsplit(":", 1)[1])
        self._wait_until_up()
        return self

    def _wait_until_up(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("the identity provider did not answer")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None
