"""Health endpoints, error pages and the dashboard."""

import zoneinfo

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from frontdesk.core.dashboard import sections_for
from frontdesk.core.pages import page_permission
from frontdesk.core.problems import is_api_path, problem_response


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and every migration is applied."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return JsonResponse({"status": "unavailable", "reason": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse({"status": "migrations pending", "pending": len(pending)}, status=503)
    return JsonResponse({"status": "ready"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_path(request.path):
        return problem_response(403, detail="CSRF check failed: send the X-CSRFToken header.")
    return render(
        request,
        "errors/403.html",
        {"reason": "Your form expired. Go back, reload the page and try again."},
        status=403,
    )


def handler404(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api_path(request.path):
        return problem_response(404, detail="No such endpoint or record.", type_slug="not-found")
    return render(request, "errors/404.html", status=404)


def handler500(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return problem_response(
            500, detail="Something went wrong on our side.", type_slug="server-error"
        )
    return render(request, "errors/500.html", status=500)


def handler403(request: HttpRequest, exception=None) -> HttpResponse:
    if is_api_path(request.path):
        return problem_response(403, detail=str(exception) or "Forbidden")
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


@page_permission("dashboard.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The sections the domains provide (``frontdesk.core.dashboard``), in the org's day."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(request.org.time_zone))
    return render(
        request, "core/dashboard.html", {"sections": sections_for(request), "today": today}
    )
