"""Audit log benchmark: a million realistic lookups, then admin search and CSV export timings.

    .venv/bin/python bench/audit.py                      # SQLite, 1,000,000 rows
    .venv/bin/python bench/audit.py --sqlite --postgres  # both
    .venv/bin/python bench/audit.py --rows 100000 --refill
    .venv/bin/python bench/audit.py --postgres --postgres-url postgres://postgres@127.0.0.1/mine

The data goes into dedicated databases, never the demo's: var/bench/audit.sqlite3 and the
PostgreSQL database `supportdesk_bench` on 127.0.0.1 (or --postgres-url; created if missing).
A database that already holds exactly --rows lookups is reused unless --refill is given (refill
after a migration that adds columns the searches read).

Every step runs in its own child process, so one backend's Django settings and one step's
memory high-water mark do not leak into the next. The admin pages are timed through the real
admin views with Django's test Client, signed in as a superuser: URL resolving, middleware,
queries and template rendering included. The export is streamed to the end; its memory is the
peak RSS growth of the process (ru_maxrss) and, on a second pass, the tracemalloc peak.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
SQLITE_PATH = BENCH_DIR / "audit.sqlite3"
KEY_PATH = BENCH_DIR / "credentials.key"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/supportdesk_bench"
TARGET_SEARCH_MS = 300
RUNS = 5
SEED = 20260101


# --- The parent: one child process per backend and step ------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true", help="bench SQLite (the default)")
    parser.add_argument("--postgres", action="store_true", help="bench PostgreSQL")
    parser.add_argument("--refill", action="store_true", help="refill even if the rows exist")
    parser.add_argument(
        "--postgres-url", default=POSTGRES_URL, help=f"the bench's own database ({POSTGRES_URL})"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--query", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        child(args)
        return

    backends = [name for name in ("sqlite", "postgres") if getattr(args, name)] or ["sqlite"]
    started = time.monotonic()
    for backend in backends:
        step_started = time.monotonic()
        run_child(backend, "fill", args)
        targets = json.loads(run_child(backend, "search", args, capture=True))
        for query in targets["exports"]:
            run_child(backend, "export", args, query=query)
        minutes = (time.monotonic() - step_started) / 60
        print(f"{backend:9}bench took {minutes:.1f} min", flush=True)
    print(f"total {(time.monotonic() - started) / 60:.1f} min", flush=True)


def run_child(backend: str, step: str, args: argparse.Namespace, *, query: str = "", capture=False):
    command = [
        sys.executable,
        __file__,
        f"--step={step}",
        f"--backend={backend}",
        f"--rows={args.rows}",
        f"--query={query}",
        f"--postgres-url={args.postgres_url}",
    ]
    if args.refill:
        command.append("--refill")
    # The child prints its figures on stderr as it goes; stdout carries data for the parent.
    result = subprocess.run(
        command,
        env=child_environment(backend, args.postgres_url),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    return result.stdout


def child_environment(backend: str, postgres_url: str) -> dict[str, str]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not KEY_PATH.exists():
        from cryptography.fernet import Fernet

        KEY_PATH.write_text(Fernet.generate_key().decode())
        KEY_PATH.chmod(0o600)
    url = postgres_url if backend == "postgres" else f"sqlite:///{SQLITE_PATH}"
    return {
        **os.environ,
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "DATABASE_URL": url,
        "VAR_DIR": str(BENCH_DIR),
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "CREDENTIALS_KEY": KEY_PATH.read_text().strip(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }


# --- The children ---------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    if args.backend == "postgres":
        create_postgres_database(args.postgres_url)
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    # whitenoise warns that the (unused) STATIC_ROOT does not exist.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.test.utils import override_settings

    # No collected static files here: plain storage, so admin's {% static %} needs no manifest.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    {"fill": step_fill, "search": step_search, "export": step_export}[args.step](args)


def say(backend: str, text: str) -> None:
    print(f"{backend:9}{text}", file=sys.stderr, flush=True)


def create_postgres_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    address = urlsplit(url)
    name = address.path.lstrip("/")
    server = address._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def step_fill(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from devices.models import Lookup

    call_command("migrate", verbosity=0)
    existing = Lookup.objects.count()
    if existing == args.rows and not args.refill:
        say(args.backend, f"reusing {existing:,} lookups in {connection.settings_dict['NAME']}")
        return
    started = time.monotonic()
    Lookup.objects.all().delete()
    people, credentials = make_people_and_credentials()
    fields = [field for field in Lookup._meta.concrete_fields if not field.primary_key]
    columns = [field.column for field in fields]
    defaults = [field.get_default() for field in fields]
    rows = generate_rows(args.rows, people, credentials, columns, defaults)
    if connection.vendor == "postgresql":
        copy_rows(connection, Lookup._meta.db_table, columns, rows)
    else:
        insert_rows(connection, Lookup._meta.db_table, columns, rows)
    # What autovacuum does on a live table: planner statistics and, on PostgreSQL, the
    # visibility map that index-only scans need.
    analyze = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{analyze} {Lookup._meta.db_table}")
    seconds = time.monotonic() - started
    say(args.backend, f"filled {args.rows:,} lookups in {seconds:.0f} s")


def step_search(args: argparse.Namespace) -> None:
    from django.db.models import Count, Max, Min

    from devices.models import Lookup

    client = signed_in_client()
    bounds = Lookup.objects.aggregate(first=Min("pk"), last=Max("pk"))
    middle = bounds["first"] + (bounds["last"] - bounds["first"]) // 2
    after_middle = Lookup.objects.filter(pk__gte=middle).order_by("pk")
    typical = after_middle.filter(kind="sn", outcome="ok", source="fresh").first()
    owner = after_middle.exclude(owner_id="").first()
    ticketed = after_middle.exclude(ticket="").first()
    hot = (
        Lookup.objects.filter(pk__gte=middle, pk__lt=middle + 20_000, kind="sn")
        .values("value")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    changelist = "/admin/devices/lookup/"
    searches = [
        ("admin search exact value", {"q": typical.value}),
        ("admin search exact value (often looked up)", {"q": hot["value"]}),
        ("admin search serial typed in lower case", {"q": typical.value.lower()}),
        ("admin search ticket number", {"q": f"#{ticketed.ticket}"}),
        ("admin search ticket / reason as typed", {"q": ticketed.reason}),
        ("admin search requestId", {"q": typical.request_id}),
        ("admin search owner id", {"q": owner.owner_id}),
        ("admin search username", {"q": typical.username}),
        ("admin changelist, no filter", {}),
        ("admin changelist, outcome filter", {"outcome__exact": "signature_error"}),
    ]
    for label, params in searches:
        times, matched = time_page(client, changelist, params)
        verdict = ""
        if params.get("q"):
            verdict = " OK" if statistics.median(times) < TARGET_SEARCH_MS else " OVER TARGET"
        say(
            args.backend,
            f"{label}: {statistics.median(times):.0f} ms (median of {RUNS}; "
            f"{matched} on the page){verdict}",
        )
    # About a tenth of the rows for the small export: the most recent ones, by date filter.
    tenth = Lookup.objects.order_by("-created_at").values_list("created_at", flat=True)[
        args.rows // 10
    ]
    since = tenth.astimezone(UTC).isoformat()
    print(json.dumps({"exports": [urlencode({"created_at__gte": since}), ""]}))


def time_page(client, url: str, params: dict) -> tuple[list[float], int]:
    response = client.get(url, params)  # warm-up: templates compiled, connection open
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    # No test environment here (it would slow rendering down), so no response.context.
    body = response.content.decode()
    table = body.partition('id="result_list"')[2].partition("</table>")[0]
    return times, table.count("<tr") - 1  # minus the header row


def step_export(args: argparse.Namespace) -> None:
    from urllib.parse import parse_qsl

    client = signed_in_client()
    url = "/admin/devices/lookup/export/"
    params = dict(parse_qsl(args.query))
    stream(client, url, {"q": "no-such-value"})  # warm-up: imports, first query
    before = peak_rss_mb()
    started = time.perf_counter()
    rows, size = stream(client, url, params)
    seconds = time.perf_counter() - started
    growth = peak_rss_mb() - before
    tracemalloc.start()
    stream(client, url, params)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    say(
        args.backend,
        f"CSV export {rows:,} rows: {seconds:.1f} s, {size / 1e6:.0f} MB, "
        f"peak RSS +{growth:.1f} MB, tracemalloc peak {traced_peak / 1e6:.1f} MB",
    )


def stream(client, url: str, params: dict) -> tuple[int, int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    assert response.streaming
    lines = size = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
        size += len(chunk)
    response.close()
    return lines - 1, size  # minus the header


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def signed_in_client():
    from django.contrib.auth.models import User
    from django.test import Client

    root, _created = User.objects.get_or_create(
        username="bench-root", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(root)
    return client


# --- Realistic rows -------------------------------------------------------------------------------

SURNAMES = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu"]
GIVEN = ["wei", "fang", "min", "jing", "lei", "yan", "jun", "tao", "ming", "hui", "na", "qiang"]
STAFF_COUNT = 60
DELETED_STAFF = 12  # people who left: their user row is gone, the username stays in the log
DEVICES = 200_000
HOT_DEVICES = 2_000  # devices customers call about again and again
USERS = 150_000

OUTCOMES = [  # (outcome, weight, vendor code, vendor message, failure code)
    ("ok", 855, 0, "ok", ""),
    ("not_found", 50, 12001, "device not exist", "not_found"),
    ("invalid_input", 30, None, "Not a serial number, device id or user id.", "invalid_input"),
    (
        "unavailable",
        20,
        None,
        "The vendor did not answer in time (timeout after 5 s).",
        "vendor_timeout",
    ),
    ("vendor_error", 15, 10002, "param error", "vendor_refused"),
    ("rate_limited", 15, 10029, "request too frequent", "vendor_rate_limited"),
    ("signature_error", 3, 10007, "signature validate fail:-2", "signature_expired"),
    ("pending", 1, None, "", ""),
]
REASONS = ["ticket #{n}", "工单 #{n}", "call back {n}", "RMA-{n}", "escalation {n}"]


def make_people_and_credentials():
    """Users (most still employed), and two regions' credentials with encrypted secrets."""
    from django.contrib.auth.models import User

    from devices.models import Credential

    rng = random.Random(SEED)
    names = sorted({f"{rng.choice(GIVEN)}.{rng.choice(SURNAMES)}" for _ in range(400)})
    names = names[:STAFF_COUNT]
    User.objects.filter(username__in=names).delete()
    people = []
    for index, name in enumerate(names):
        user_id = None
        if index >= DELETED_STAFF:
            user_id = User.objects.create_user(name, f"{name}@example.com").pk
        people.append((user_id, name, f"10.20.{index // 200}.{index % 200 + 10}"))
    Credential.objects.all().delete()
    credentials = [
        Credential.objects.create(
            name=name,
            region=region,
            base_url=f"https://{name}.vendor.example",
            app_id=f"app-{name}",
            app_token=uuid.UUID(int=rng.getrandbits(128)).hex,
            app_key=uuid.UUID(int=rng.getrandbits(128)).hex,
            is_default=name == "cn",
        )
        for name, region in (("cn", "China"), ("eu", "Europe"))
    ]
    return people, [(c.pk, c.name) for c in credentials]


def generate_rows(
    count: int, people, credentials, columns: list[str], defaults: list
) -> Iterator[tuple]:
    from devices.audit import ticket_of

    rng = random.Random(SEED)
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

    def serial() -> str:
        tail = "".join(rng.choices(alphabet, k=rng.choice((9, 10))))
        return "876" + tail

    def user_id() -> str:
        return str(-(2**63) + rng.randrange(10**9, 10**11))

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    owners = [user_id() for _ in range(USERS)]
    devices = [
        (
            serial(),
            str(rng.choice((3435, 5198, 6021)) * 10**9 + rng.randrange(10**9)),
            rng.choice(owners),
        )
        for _ in range(DEVICES)
    ]
    # Busier over the year, and during working hours in China (UTC+8), less at weekends.
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365)
    times = []
    while len(times) < count:
        day = 365 * (rng.random() ** 0.8)
        moment = start + timedelta(days=int(day), hours=rng.gauss(5.5, 2.6) % 24)
        moment += timedelta(seconds=rng.randrange(3600))
        weekend = (moment + timedelta(hours=8)).weekday() >= 5
        if moment < now and (not weekend or rng.random() < 0.35):
            times.append(moment)
    times.sort()
    staff_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(people))]
    outcome_weights = [weight for _o, weight, _c, _m, _f in OUTCOMES]
    position = {name: index for index, name in enumerate(columns)}

    for moment in times:
        user_pk, username, ip = rng.choices(people, staff_weights)[0]
        draw = rng.random()
        device = rng.choice(devices[:HOT_DEVICES] if draw < 0.3 else devices)
        kind = rng.choices(("sn", "dev_id", "user"), (60, 25, 15))[0]
        outcome, _w, code, message, failure = rng.choices(OUTCOMES, outcome_weights)[0]
        credential_pk, credential_name = credentials[0] if rng.random() < 0.85 else credentials[1]
        owner = ""
        if kind == "sn":
            value, endpoint = device[0], "devInfo"
        elif kind == "dev_id":
            value, endpoint = device[1], "devInfo"
        else:
            value, endpoint = device[2], "devList"
        if kind != "user" and rng.random() < 0.35:
            owner = device[2]
        if outcome == "invalid_input":  # kept normalised, as typed: not a serial number
            value, endpoint = value[:-2].lower() + "!", ""
            credential_pk, credential_name = None, ""
        source = ""
        if outcome == "ok":
            source = rng.choices(("fresh", "cached", "shared"), (65, 30, 5))[0]
        elif outcome not in ("invalid_input", "pending"):
            source = "fresh"
        if outcome == "rate_limited" and rng.random() < 0.5:
            code, message = None, "The vendor budget is busy; retry in 1 s."
            failure = "budget_busy"
        answered = code is not None and source != "cached"
        if source == "cached":
            duration = rng.randint(1, 6)
        elif outcome == "unavailable":
            duration = 5000 + rng.randint(0, 40)
        elif outcome in ("invalid_input", "pending"):
            duration = 0 if outcome == "invalid_input" else None
        else:
            duration = int(rng.lognormvariate(5.1, 0.45))
        reasons = rng.random() < (0.8 if kind == "user" else 0.3)
        reason = rng.choice(REASONS).format(n=rng.randrange(100000, 999999)) if reasons else ""
        row = list(defaults)
        values = {
            "user_id": user_pk,
            "username": username,
            "created_at": moment,
            "kind": kind,
            "value": value,
            "owner_id": owner,
            "credential_id": credential_pk,
            "credential_name": credential_name,
            "endpoint": endpoint,
            "outcome": outcome,
            "vendor_code": code if answered or outcome == "ok" else None,
            "vendor_message": message,
            "request_id": uid() if answered else "",
            "duration_ms": duration,
            "source": source,
            "client_ip": ip,
            "reason": reason,
            "ticket": ticket_of(reason),
            "failure_code": failure,
            "http_request_id": uuid.UUID(int=rng.getrandbits(128)).hex,
        }
        for name, value_ in values.items():
            row[position[name]] = value_
        yield tuple(row)


def copy_rows(connection, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_rows(connection, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    from django.db import transaction

    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    adapt = connection.ops.adapt_datetimefield_value  # the text Django itself stores

    def flush(batch: list[tuple]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)

    batch: list[tuple] = []
    for row in rows:
        batch.append(tuple(adapt(v) if isinstance(v, datetime) else v for v in row))
        if len(batch) == 20_000:
            flush(batch)
            batch = []
    if batch:
        flush(batch)


if __name__ == "__main__":
    main()
