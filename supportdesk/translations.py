"""Compile every app's django.po (devices/locale, and any other app's locale/) to django.mo.

Run by `make install` (so by `make run` and `make test`); needs no GNU gettext on the machine and
no Django settings. Only catalogues whose .po is newer than their .mo are rewritten.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogues(root: Path = ROOT) -> list[Path]:
    """Every app's catalogue: `<app>/locale/...` and `<package>/<app>/locale/...`."""
    found = [*root.glob("*/locale/*/LC_MESSAGES/*.po"), *root.glob("*/*/locale/*/LC_MESSAGES/*.po")]
    return sorted(path for path in found if not path.relative_to(root).parts[0].startswith("."))


def compile_catalogues(root: Path = ROOT) -> int:
    compiled = 0
    for po_path in catalogues(root):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled += 1
    return compiled


if __name__ == "__main__":
    print(f"Compiled {compile_catalogues()} translation catalogue(s).")
