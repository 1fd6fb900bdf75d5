"""The stores' Redis plumbing: Lua scripts read from the packages' `lua/` folders, each naming
its KEYS and ARGV at the top."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from devices.stores import lua_script, redis_client

SCRIPTS = [
    (package, entry.name.removesuffix(".lua"))
    for package in ("devices.ratelimit", "devices.coalescing")
    for entry in resources.files(package).joinpath("lua").iterdir()
    if entry.name.endswith(".lua")
]
NAMING = re.compile(r"^local \w+ = .*\b(KEYS|ARGV)\[\d+\]")


def test_the_packages_have_their_scripts():
    assert sorted(SCRIPTS) == [
        ("devices.coalescing", "poll"),
        ("devices.coalescing", "publish"),
        ("devices.coalescing", "publish_failure"),
        ("devices.coalescing", "release"),
        ("devices.ratelimit", "acquire"),
        ("devices.ratelimit", "finish"),
        ("devices.ratelimit", "pause"),
    ]


@pytest.mark.parametrize(("package", "name"), SCRIPTS)
def test_a_script_names_its_keys_and_arguments_before_using_them(package, name):
    source = resources.files(package).joinpath("lua", f"{name}.lua").read_text()
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("--")]
    naming = 0
    while naming < len(lines) and NAMING.match(lines[naming]):
        naming += 1

    assert naming > 0, "no KEYS or ARGV named at the top"
    for line in lines[naming:]:
        assert not re.search(r"\b(KEYS|ARGV)\[", line), f"used without a name: {line!r}"


def test_a_script_is_registered_with_its_text():
    client = redis_client("redis://127.0.0.1:1/0")  # registering does not talk to Redis

    script = lua_script(client, "devices.ratelimit", "pause")

    assert script.script.startswith("-- A pause only ever gets longer")
