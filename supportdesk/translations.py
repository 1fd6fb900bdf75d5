"""Compile every django.po under devices/locale to django.mo with polib.

Run by `make install` (so by `make run` and `make test`); needs no GNU gettext on the machine and
no Django settings. Only catalogues whose .po is newer than their .mo are rewritten.
"""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "devices" / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> int:
    compiled = 0
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        compiled += 1
    return compiled


if __name__ == "__main__":
    print(f"Compiled {compile_catalogues()} translation catalogue(s).")
