"""``/api/crm`` customer imports and exports: thin endpoints over ``imports.py`` and
``exports.py``. Import ids are looked up in the caller's organization (404 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.errors import PayloadTooLarge
from frontdesk.core.lookups import get_or_404
from frontdesk.customers import exports, imports, selectors
from frontdesk.customers import permissions as perm
from frontdesk.customers.models import CustomerImport, CustomerImportRowError
from frontdesk.customers.schemas import CustomerFilter

router = Router(tags=["imports and exports"])
IMPORT_ORDERS = {"created_at": "created_at"}


class ImportOut(Schema):
    """An import: what was uploaded, how it is mapped, and how far it got."""

    id: UUID
    file_name: str
    size: int
    mapping: dict[str, str] = Field(description="CSV column → customer field")
    dry_run: bool
    on_duplicate: Literal["skip", "update", "create"]
    status: Literal["queued", "running", "completed", "failed", "reverted"]
    total_rows: int
    processed_rows: int
    progress: float = Field(description="0–1")
    created_count: int = Field(description="customers created (dry run: would be)")
    updated_count: int
    skipped_count: int
    error_count: int = Field(description="rows not imported; see /errors")
    failure: str
    created_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    reverted_at: dt.datetime | None

    @staticmethod
    def resolve_progress(obj) -> float:
        if obj.status in ("completed", "reverted"):
            return 1.0
        return round(obj.processed_rows / obj.total_rows, 4) if obj.total_rows else 0.0


class RowErrorOut(Schema):
    row: int = Field(description="1 = the first row after the header")
    field: str
    message: str


class RowErrorPage(Schema):
    items: list[RowErrorOut]
    next_cursor: str | None


def _import(import_id: UUID) -> CustomerImport:
    return get_or_404(CustomerImport, import_id)


@router.post(
    "/imports/customers",
    auth=api_permission(perm.IMPORT),
    response={202: ImportOut, **error_responses(400, 401, 403, 413, 422)},
)
def import_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    mapping: Form[str | None] = None,
    dry_run: Form[bool] = False,
    on_duplicate: Form[Literal["skip", "update", "create"]] = "skip",
):
    """Upload a CSV (multipart ``file``) and queue its import. ``mapping`` is a JSON
    object of CSV column → field (``""`` leaves a column out); columns it does not name
    are detected from their headers ("First Name", "Phone", "E-mail"…). ``dry_run``
    writes nothing but the report. ``on_duplicate``: a row whose phone or email belongs
    to a customer is skipped, updates that customer, or creates another one. Over
    ``IMPORT_MAX_BYTES`` → 413. Follow progress at ``GET /imports/{id}``."""
    if file.size and file.size > settings.IMPORT_MAX_BYTES:
        raise PayloadTooLarge(
            f"The file has {file.size:,} bytes; the limit is {settings.IMPORT_MAX_BYTES:,}.",
            limit=settings.IMPORT_MAX_BYTES,
        )
    imp = imports.customer_import_create(
        org=request.org,
        actor=request.auth,
        content=file.read(),
        file_name=file.name or "",
        mapping=imports.parse_mapping(mapping),
        dry_run=dry_run,
        on_duplicate=on_duplicate,
    )
    return Status(202, imp)


@router.get(
    "/imports",
    auth=api_permission(perm.IMPORT),
    response={200: Page[ImportOut], **error_responses(401, 403, 422)},
)
def import_list(request: HttpRequest, params: Query[ListParams]):
    """The organization's imports, newest first."""
    qs = CustomerImport.objects.defer("content")
    return paginate(qs, params=params, orders=IMPORT_ORDERS, default="-created_at")


@router.get(
    "/imports/{import_id}",
    auth=api_permission(perm.IMPORT),
    response={200: ImportOut, **error_responses(401, 403, 404, 422)},
)
def import_get(request: HttpRequest, import_id: UUID):
    """One import with its progress and counts."""
    return _import(import_id)


@router.get(
    "/imports/{import_id}/errors",
    auth=api_permission(perm.IMPORT),
    response={200: RowErrorPage, **error_responses(401, 403, 404, 422)},
)
def import_errors(
    request: HttpRequest,
    import_id: UUID,
    limit: int = Query(100, ge=1, le=1000),
    cursor: str | None = None,
):
    """Rows not imported and why: row number (1 = first row after the header), field
    (empty for the whole row) and message. At most 10,000 are kept per import."""
    imp = _import(import_id)
    qs = CustomerImportRowError.objects.filter(customer_import=imp).order_by("row", "id")
    if cursor:
        start = int(cursor) if cursor.isdigit() else 0
        qs = qs.filter(row__gte=start)
    rows = list(qs.values("row", "field", "message", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        next_cursor, rows = str(rows[limit]["row"]), rows[:limit]
        if rows[0]["row"] == int(next_cursor):  # one row with more errors than a page
            rows = list(qs.filter(row=int(next_cursor)).values("row", "field", "message"))
            next_cursor = str(int(next_cursor) + 1)
        else:
            rows = [r for r in rows if r["row"] < int(next_cursor)]
    return {"items": rows, "next_cursor": next_cursor}


@router.post(
    "/imports/{import_id}/revert",
    auth=api_permission(perm.IMPORT),
    response={200: ImportOut, **error_responses(401, 403, 404, 409, 422)},
)
def import_revert(request: HttpRequest, import_id: UUID):
    """Undo the import: archive the customers it created, restore the fields it changed
    and remove the phones, emails, tags and addresses it added. Once: 409 afterwards."""
    imp = _import(import_id)
    return imports.customer_import_revert(org=request.org, actor=request.auth, customer_import=imp)


def _export(request: HttpRequest, filters: CustomerFilter, fmt: str) -> StreamingHttpResponse:
    data = filters.model_dump(exclude={"q"})
    qs = selectors.customer_list(org=request.org, filters=data)
    lines = exports.customer_export(
        org=request.org, actor=request.auth, qs=qs, filters=data, q=filters.q, fmt=fmt
    )
    stamp = dt.date.today().isoformat()
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


EXPORT_RESPONSES = {200: None, **error_responses(401, 403, 404, 422)}


@router.get(
    "/exports/customers.csv",
    auth=api_permission(perm.EXPORT),
    response=EXPORT_RESPONSES,
    openapi_extra={
        "responses": {200: {"description": "CSV, one customer a row", "content": {"text/csv": {}}}}
    },
)
def export_csv(request: HttpRequest, filters: Query[CustomerFilter]):
    """Customers as CSV, with the same filters (and ``q``) as ``GET /customers``,
    streamed. Cells starting with = + - @ tab or CR are prefixed with ' so spreadsheets
    never run them. Audited as a personal-data export (filters and row count)."""
    return _export(request, filters, "csv")


@router.get(
    "/exports/customers.json",
    auth=api_permission(perm.EXPORT),
    response=EXPORT_RESPONSES,
    openapi_extra={
        "responses": {
            200: {"description": "a JSON array of customers", "content": {"application/json": {}}}
        }
    },
)
def export_json(request: HttpRequest, filters: Query[CustomerFilter]):
    """Customers as a JSON array (the CSV's columns), same filters, streamed and audited."""
    return _export(request, filters, "json")
