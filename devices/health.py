"""/healthz: is this process able to serve lookups? No login, no secrets, no vendor call."""

from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from devices.ratelimit import get_limiter


def check_database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


_migrated = False


def check_migrations() -> str:
    # Reading the migration graph costs tens of ms; once this code's migrations are applied
    # they stay applied (new ones come with new code, and a restart), so remember it.
    global _migrated
    if _migrated:
        return "ok"
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return "ok" if not plan else f"{len(plan)} unapplied"


def check_limiter() -> str:
    get_limiter().ping()
    return "ok"


CHECKS = {"database": check_database, "migrations": check_migrations, "limiter": check_limiter}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = check()
        except Exception as error:  # a health check reports failures, it does not raise them
            parts[name] = f"error: {type(error).__name__}"
    healthy = all(state == "ok" for state in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": parts}, status=200 if healthy else 503
    )
