"""Write a development `.env` with freshly generated keys, unless one exists.

Run by `make run` before Django starts (it imports nothing from Django), so that the demo needs
no configuration and no key is ever committed.
"""

import base64
import secrets
import sys
from pathlib import Path

TEMPLATE = """\
# Development settings written by `make run`. Not for production; never commit this file.
DEBUG=1
DEMO_MODE=1
SECRET_KEY={secret_key}
CREDENTIALS_KEY={credentials_key}
"""


def write_dev_env(path: Path) -> bool:
    if path.exists():
        return False
    path.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            credentials_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        )
    )
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    if write_dev_env(target):
        print(f"Wrote {target} with generated development keys.")
