"""What the presenters may import: not the use cases, the forms or the sandbox.

A presenter reads typed results and audit rows; links come from `devices.links`, errors from
where they are defined. So the pages' wording never depends on how a lookup is run.
"""

import ast
from pathlib import Path

import devices.presenters

FORBIDDEN = ("devices.services", "devices.forms", "devices.sandbox")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_presenter_imports_services_forms_or_the_sandbox():
    package = Path(devices.presenters.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 5
    offending = {
        path.name: sorted(
            name
            for name in imported_modules(path)
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
        )
        for path in modules
    }
    assert {name: found for name, found in offending.items() if found} == {}
