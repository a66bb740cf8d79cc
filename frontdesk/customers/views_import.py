"""The import wizard (``/customers/import/``): upload → dry run with the detected column
mapping and the row errors → adjust the mapping and run → progress (htmx polling) →
revert. Each step calls one service of ``imports.py``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers import permissions as perm
from frontdesk.customers.imports import (
    IMPORT_FIELDS,
    customer_import_create,
    customer_import_revert,
    parse_header,
)
from frontdesk.customers.models import CustomerImport, CustomerImportRowError


@page_permission(perm.IMPORT)
def import_start(request: HttpRequest) -> HttpResponse:
    """The upload form; posting it stores the file and starts a dry run."""
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "Choose a CSV file."
        else:
            try:
                imp = customer_import_create(
                    org=request.org,
                    actor=request.actor,
                    content=upload.read(),
                    file_name=upload.name or "",
                    dry_run=True,
                    on_duplicate=request.POST.get("on_duplicate", "skip"),
                )
            except DomainError as exc:
                errors = getattr(exc, "errors", None)
                error = "; ".join(e["message"] for e in errors) if errors else exc.detail
            else:
                return redirect("customer_import:detail", import_id=imp.pk)
    recent = CustomerImport.objects.defer("content").order_by("-created_at")[:10]
    return render(
        request,
        "customers/import/start.html",
        {"recent": recent, "error": error},
        status=422 if error else 200,
    )


@page_permission(perm.IMPORT)
def import_detail(request: HttpRequest, import_id) -> HttpResponse:
    """One import; while it runs the status part polls itself (htmx)."""
    imp = get_or_404(CustomerImport, import_id)
    context = {
        "imp": imp,
        "percent": 100
        if imp.status in ("completed", "reverted")
        else (imp.processed_rows * 100 // imp.total_rows if imp.total_rows else 0),
        "errors": CustomerImportRowError.objects.filter(customer_import=imp).order_by("row", "id")[
            :50
        ],
    }
    if request.htmx:
        return render(request, "customers/import/_status.html", context)
    headers = parse_header(bytes(imp.content)).headers
    context["columns"] = [(h, imp.mapping.get(h, "")) for h in headers]
    context["fields"] = IMPORT_FIELDS
    return render(request, "customers/import/detail.html", context)


@require_POST
@page_permission(perm.IMPORT)
def import_run(request: HttpRequest, import_id) -> HttpResponse:
    """Run the checked file for real, with the mapping as adjusted on the page."""
    checked = get_or_404(CustomerImport, import_id)
    mapping = {key[4:]: value for key, value in request.POST.items() if key.startswith("map:")}
    imp = customer_import_create(
        org=request.org,
        actor=request.actor,
        content=bytes(checked.content),
        file_name=checked.file_name,
        mapping=mapping or checked.mapping,
        dry_run=request.POST.get("dry_run") == "1",
        on_duplicate=request.POST.get("on_duplicate", checked.on_duplicate),
    )
    return redirect("customer_import:detail", import_id=imp.pk)


@require_POST
@page_permission(perm.IMPORT)
def import_revert(request: HttpRequest, import_id) -> HttpResponse:
    imp = get_or_404(CustomerImport, import_id)
    customer_import_revert(org=request.org, actor=request.actor, customer_import=imp)
    return redirect("customer_import:detail", import_id=imp.pk)
