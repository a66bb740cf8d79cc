"""Customer pages: list and search, create/edit with the inline duplicate warning, the 360,
vehicles, duplicates review and merge, companies. Forms check shape; the services (the
same the API calls) do the rules, and their errors go back onto the form."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontdesk.core.api import ListParams, paginate
from frontdesk.core.errors import Conflict, DomainError, ValidationFailed
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers import permissions as perm
from frontdesk.customers import selectors, services
from frontdesk.customers.duplicates import duplicate_pairs, identity_matches, likely_matches
from frontdesk.customers.forms import (
    MAX_ROWS,
    ROW_FORMS,
    ROW_KINDS,
    CompanyFilterForm,
    CustomerFilterForm,
    CustomerForm,
    NoteForm,
    TagForm,
    VehicleLinkForm,
    bound_rows,
    empty_row,
    initial_rows,
    row_indexes,
)
from frontdesk.customers.history import vehicle_history
from frontdesk.customers.merge import customer_merge, merge_preview
from frontdesk.customers.models import Company, Customer, CustomerNote, CustomerVehicle, Vehicle
from frontdesk.customers.normalize import email_normalize, phone_display, phone_e164
from frontdesk.customers.overview import customer_overview

PAGE_SIZE = 25


def _errors_of(exc: DomainError) -> list[dict[str, str]]:
    return getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]


# --- list and search ---------------------------------------------------------------------
@page_permission(perm.VIEW)
def customer_list_page(request: HttpRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "customers": [], "next_cursor": None, "error": ""}
    q = ""
    filters: dict[str, Any] = {}
    if form.is_bound and not form.is_valid():
        context["error"] = "Check the filters."
    elif form.is_bound:
        q, filters = form.cleaned_data["q"], form.filters()
    if not context["error"]:
        params = ListParams(limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None)
        try:
            qs = selectors.customer_list(org=request.org, filters=filters)
            page = selectors.customer_page(qs, params=params, q=q)
        except ValidationFailed as exc:
            context["error"] = " ".join(e["message"] for e in _errors_of(exc))
        else:
            context["customers"] = page["items"]
            context["next_cursor"] = page["next_cursor"]
            context["close_matches"] = page.get("close_matches", False)
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("fragment", None)
    context["query"] = query.urlencode()
    context["searching"] = bool(q or filters)
    context["can_create"] = request.actor.has(perm.CREATE)
    if request.htmx:
        fragment = "rows" if request.GET.get("fragment") == "rows" else "results"
        return render(request, f"customers/list.html#{fragment}", context)
    return render(request, "customers/list.html", context)


# --- create and edit ---------------------------------------------------------------------
def _companies():
    return selectors.company_list().order_by("name_key")[:500]


def _put_errors(form, rows: dict[str, list], errors: list[dict[str, str]]) -> None:
    """Service errors onto the form: ``phones[1].number`` goes to the second filled row."""
    for error in errors:
        field, message = error.get("field") or "", error["message"]
        kind, _, rest = field.partition("[")
        if kind in ROW_KINDS and rest:
            index, _, name = rest.partition("]")
            filled = [r for r in rows[kind] if not r.is_blank()]
            name = name.lstrip(".")
            if index.isdigit() and int(index) < len(filled):
                row = filled[int(index)]
                row.add_error(name if name in row.fields else None, message)
                continue
        if field.startswith("communication."):
            field = field.split(".", 1)[1]
        form.add_error(field if field in form.fields else None, message)


def _row_errors(rows: dict[str, list]) -> list[str]:
    return [
        f"{r.fields[name].label}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
        for kind in ROW_KINDS
        for r in rows[kind]
        for name, errs in r.errors.items()
    ]


def _customer_form_page(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    editing = customer is not None
    companies = _companies()
    conflict = None
    if request.method == "POST":
        form = CustomerForm(request.POST, companies=companies)
        rows = {kind: bound_rows(request.POST, kind) for kind in ROW_KINDS}
        valid = form.is_valid() & all(r.is_valid() for kind in ROW_KINDS for r in rows[kind])
        if valid:
            data = form.data_for_service()
            for kind in ROW_KINDS:
                data[kind] = [r.value() for r in rows[kind] if not r.is_blank()]
            if data["phones"]:
                data["phones"][0]["primary"] = True
            if data["emails"]:
                data["emails"][0]["primary"] = True
            if data["addresses"]:
                data["addresses"][0]["primary"] = True
            merge_into = request.POST.get("merge_into") or ""
            allow = bool(request.POST.get("allow_duplicate")) or bool(merge_into)
            try:
                if editing:
                    if data["display_name"] == customer.display_name:
                        data.pop("display_name")  # unchanged: a made-up name keeps following
                    saved = services.customer_update(
                        org=request.org,
                        actor=request.actor,
                        customer=customer,
                        data=data,
                        allow_duplicate=allow,
                    )
                else:
                    if merge_into and not request.actor.has(perm.MERGE):
                        raise PermissionDenied("Your role may not merge customers.")
                    target = get_or_404(Customer, merge_into) if merge_into else None
                    saved = services.customer_create(
                        org=request.org, actor=request.actor, data=data, allow_duplicate=allow
                    )
                    if target is not None:
                        return redirect("customers:merge", target.pk, saved.pk)
            except Conflict as exc:
                if "matches" not in exc.extra:
                    raise
                conflict = {"detail": exc.detail, **exc.extra}
                conflict["matches"] = _match_rows(exc.extra["matches"])
                conflict["likely"] = _match_rows(
                    [m for m in exc.extra.get("likely", []) if not m["matched_on"]]
                )
            except ValidationFailed as exc:
                _put_errors(form, rows, _errors_of(exc))
            else:
                messages.success(request, f"{saved.number} {'saved' if editing else 'created'}.")
                return redirect("customers:detail", saved.pk)
        for kind in ROW_KINDS:
            if len(rows[kind]) == 0:
                rows[kind] = initial_rows(kind, [])
    elif editing:
        form = CustomerForm(initial=_initial(customer), companies=companies)
        rows = {
            "phones": initial_rows(
                "phones",
                [
                    {"number": p.number, "kind": p.kind, "consent_to_call": p.consent_to_call}
                    for p in customer.phones.all()
                ],
            ),
            "emails": initial_rows(
                "emails", [{"address": e.address, "kind": e.kind} for e in customer.emails.all()]
            ),
            "addresses": initial_rows(
                "addresses",
                [
                    {k: getattr(a, k) for k in ("kind", *ROW_FORMS["addresses"].TEXT)}
                    for a in customer.addresses.all()
                ],
            ),
        }
    else:
        form = CustomerForm(companies=companies)
        rows = {kind: initial_rows(kind, []) for kind in ROW_KINDS}
    # a form shown again with its errors answers 200 (browsers and htmx treat 4xx as failures)
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "rows": rows,
            "next_index": {k: _next_index(v) for k, v in rows.items()},
            "customer": customer,
            "conflict": conflict,
            "row_errors": _row_errors(rows) if request.method == "POST" else [],
            "can_merge": request.actor.has(perm.MERGE),
        },
    )


def _next_index(rows: list) -> int | None:
    if len(rows) >= MAX_ROWS:
        return None
    return max((int(r.prefix.rsplit("-", 1)[1]) for r in rows), default=-1) + 1


def _initial(customer: Customer) -> dict[str, Any]:
    initial = {
        name: getattr(customer, name)
        for name in (
            "type",
            "first_name",
            "last_name",
            "display_name",
            "source",
            "lifecycle_stage",
            "preferred_channel",
            *CustomerForm.CONSENT,
        )
    }
    initial["company_id"] = str(customer.company_id or "")
    initial["tags"] = ", ".join(t.tag for t in customer.tags.all())
    return initial


def _match_rows(matches: list[dict]) -> list[dict]:
    """``matched_on: ["phone:+15125550142"]`` → ``["phone +1 512-555-0142"]``."""

    def shown(part: str) -> str:
        kind, _, value = part.partition(":")
        return f"{kind} {phone_display(value) if kind == 'phone' else value}"

    return [{**m, "matched_on": [shown(p) for p in m.get("matched_on", [])]} for m in matches]


@page_permission(perm.CREATE)
def customer_create_page(request: HttpRequest) -> HttpResponse:
    return _customer_form_page(request, None)


@page_permission(perm.EDIT)
def customer_edit_page(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = selectors.customer_get(org=request.org, id=customer_id)
    services.ensure_editable(customer)
    return _customer_form_page(request, customer)


@page_permission(perm.VIEW)
def customer_form_row(request: HttpRequest, kind: str) -> HttpResponse:
    """One more empty phone, email or address row for the form (htmx)."""
    if kind not in ROW_KINDS:
        return HttpResponse(status=404)
    try:
        index = max(0, min(int(request.GET.get("index", "0")), MAX_ROWS * 3))
    except ValueError:
        index = 0
    return render(
        request,
        "customers/_form_row.html",
        {
            "row": empty_row(kind, index),
            "kind": kind,
            "next": index + 1 if index + 1 < MAX_ROWS else None,
        },
    )


@page_permission(perm.VIEW)
@require_POST
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """The form's inline warning (htmx, on leaving a phone or email field): the customers
    the service's duplicate rule would name, before anything is saved."""
    phones, email_keys = [], []
    for i in row_indexes(request.POST, "phones"):
        try:
            raw = request.POST.get(f"phones-{i}-number", "")[:40]
            phones.append(phone_e164(raw, region=request.org.country))
        except ValueError:
            pass  # the form shows the error when saving
    for i in row_indexes(request.POST, "emails"):
        try:
            raw = request.POST.get(f"emails-{i}-address", "")[:254]
            email_keys.append(email_normalize(raw)[1])
        except ValueError:
            pass
    exclude = None
    if request.POST.get("customer_id"):
        exclude = get_or_404(Customer, request.POST["customer_id"]).pk
    matches = identity_matches(phones=phones, email_keys=email_keys, exclude_id=exclude)
    likely = []
    if matches:
        first, last = request.POST.get("first_name", ""), request.POST.get("last_name", "")
        name = request.POST.get("display_name") or f"{first} {last}".strip()
        likely = likely_matches(
            name=name[:200],
            first_name=first[:100],
            last_name=last[:100],
            also=matches,
            exclude_id=exclude,
        )
    rows = _match_rows([m.as_dict() for m in matches])
    return render(
        request,
        "customers/_duplicate_warning.html",
        {
            "matches": rows,
            "likely": _match_rows([m.as_dict() for m in likely if not m.matched_on]),
            "customer_id": exclude,
            "can_merge": request.actor.has(perm.MERGE),
            "inline": True,
        },
    )


# --- the 360 -----------------------------------------------------------------------------
def _present(value: Any) -> dict[str, Any]:
    """A registered section's JSON-like value as something a template can show: a table
    (list of dicts), a list, a definition list (dict) or text."""
    if value in (None, "", [], {}):
        return {"kind": "empty"}
    if isinstance(value, dict) and "items" in value and isinstance(value["items"], list):
        return _present(value["items"])
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            columns: list[str] = []
            for row in value:
                columns += [k for k in row if k not in columns and k != "id"]
            return {
                "kind": "table",
                "columns": [_label(c) for c in columns],
                "rows": [[(_label(c), _text(row.get(c))) for c in columns] for row in value],
            }
        return {"kind": "list", "items": [_text(v) for v in value]}
    if isinstance(value, dict):
        return {"kind": "dl", "items": [(_label(k), _text(v)) for k, v in value.items()]}
    return {"kind": "text", "text": _text(value)}


def _label(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)}: {_text(v)}" for k, v in value.items())
    return str(value)


def _sections(sections: dict[str, Any], folder: str) -> list[dict[str, Any]]:
    out = []
    for name, value in sections.items():
        template = select_template(
            [f"{folder}/sections/{name}.html", "customers/sections/_generic.html"]
        )
        out.append(
            {
                "name": name,
                "title": _label(name),
                "template": template.template.name,
                "value": value,
                "shown": _present(value),
            }
        )
    return out


def _detail_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    overview = customer_overview(customer=customer, actor=request.actor)
    actor = request.actor
    editable = customer.status != "archived" and not customer.merged_into_id
    return {
        "customer": customer,
        "overview": overview,
        "sections": _sections(overview["sections"], "customers"),
        "can_edit": actor.has(perm.EDIT) and editable,
        "can_archive": actor.has(perm.ARCHIVE) and not customer.merged_into_id,
        "can_merge": actor.has(perm.MERGE),
        "note_form": NoteForm(),
        "tag_form": TagForm(),
        "tag_list": [t.tag for t in customer.tags.all()],
        "vehicle_form": VehicleLinkForm(),
        "merged_into": (
            Customer.objects.filter(pk=customer.merged_into_id).first()
            if customer.merged_into_id
            else None
        ),
    }


@page_permission(perm.VIEW)
def customer_detail_page(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = selectors.customer_get(org=request.org, id=customer_id)
    return render(request, "customers/detail.html", _detail_context(request, customer))


def _back_to(request: HttpRequest, customer: Customer, fragment: str, context: dict, invalid=False):
    """The updated part of the 360 (htmx), or the whole page: shown again with the form's
    errors, else a redirect to it. Errors answer 200 so that htmx swaps them in."""
    if request.htmx:
        return render(request, f"customers/detail.html#{fragment}", context)
    if invalid:
        full = _detail_context(request, customer)
        full.update(context)
        return render(request, "customers/detail.html", full)
    return redirect("customers:detail", customer.pk)


@page_permission(perm.EDIT)
@require_POST
def customer_note_add(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.customer_note_add(
                org=request.org,
                actor=request.actor,
                customer=customer,
                body=form.cleaned_data["body"],
            )
        except ValidationFailed as exc:
            form.add_error("body", " ".join(e["message"] for e in _errors_of(exc)))
        else:
            form = NoteForm()
    notes = list(CustomerNote.objects.filter(customer=customer)[:5])
    context = {
        "customer": customer,
        "overview": {"recent_notes": notes},
        "note_form": form,
        "can_edit": True,
    }
    return _back_to(request, customer, "notes", context, bool(form.errors))


def _tags_context(customer: Customer, form: TagForm, tags: list[str]) -> dict[str, Any]:
    return {"customer": customer, "tag_form": form, "tag_list": tags, "can_edit": True}


@page_permission(perm.EDIT)
@require_POST
def customer_tag_add(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    form = TagForm(request.POST)
    tags = None
    if form.is_valid():
        try:
            tags = services.customer_tags_add(
                org=request.org,
                actor=request.actor,
                customer=customer,
                tags=[form.cleaned_data["tag"]],
            )
        except ValidationFailed as exc:
            form.add_error("tag", " ".join(e["message"] for e in _errors_of(exc)))
        else:
            form = TagForm()
    if tags is None:
        tags = sorted(customer.tags.values_list("tag", flat=True))
    context = _tags_context(customer, form, tags)
    return _back_to(request, customer, "tags", context, bool(form.errors))


@page_permission(perm.EDIT)
@require_POST
def customer_tag_remove(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    tags = services.customer_tag_remove(
        org=request.org,
        actor=request.actor,
        customer=customer,
        tag=request.POST.get("tag", "")[:100],
    )
    return _back_to(request, customer, "tags", _tags_context(customer, TagForm(), tags))


@page_permission(perm.ARCHIVE)
@require_POST
def customer_archive(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    services.customer_archive(org=request.org, actor=request.actor, customer=customer)
    messages.success(request, f"{customer.number} archived.")
    return redirect("customers:detail", customer.pk)


@page_permission(perm.ARCHIVE)
@require_POST
def customer_restore(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    services.customer_restore(org=request.org, actor=request.actor, customer=customer)
    messages.success(request, f"{customer.number} restored.")
    return redirect("customers:detail", customer.pk)


# --- vehicles ----------------------------------------------------------------------------
def _vehicles_context(customer: Customer, form, existing=None) -> dict[str, Any]:
    vehicles = list(
        CustomerVehicle.objects.filter(customer=customer, is_current=True, status="active")
        .select_related("vehicle")
        .order_by("-primary_driver", "created_at")
    )
    return {
        "customer": customer,
        "overview": {"vehicles": vehicles},
        "vehicle_form": form,
        "existing_vehicle": existing,
        "can_edit": True,
    }


@page_permission(perm.EDIT)
@require_POST
def customer_vehicle_add(request: HttpRequest, customer_id: uuid.UUID) -> HttpResponse:
    customer = get_or_404(Customer, customer_id)
    existing = None
    form = VehicleLinkForm(request.POST)
    link_id = request.POST.get("vehicle_id")
    if link_id:
        form = VehicleLinkForm()
        vehicle = get_or_404(Vehicle, link_id)
        try:
            services.customer_vehicle_add(
                org=request.org,
                actor=request.actor,
                customer=customer,
                link={"relationship": request.POST.get("relationship") or "owner"},
                vehicle_id=vehicle.pk,
            )
        except (ValidationFailed, Conflict) as exc:
            form.add_error(None, " ".join(e["message"] for e in _errors_of(exc)))
    elif form.is_valid():
        try:
            services.customer_vehicle_add(
                org=request.org,
                actor=request.actor,
                customer=customer,
                link=form.link(),
                vehicle=form.vehicle(),
            )
        except ValidationFailed as exc:
            for error in _errors_of(exc):
                name = (error.get("field") or "").removeprefix("vehicle.")
                form.add_error(name if name in form.fields else None, error["message"])
        except Conflict as exc:
            form.add_error("vin" if exc.extra.get("field") == "vin" else None, exc.detail)
            if exc.extra.get("existing_vehicle_id"):
                existing = Vehicle.objects.filter(pk=exc.extra["existing_vehicle_id"]).first()
        else:
            form = VehicleLinkForm()
    context = _vehicles_context(customer, form, existing)
    return _back_to(request, customer, "vehicles", context, bool(form.errors))


@page_permission(perm.VIEW)
def vehicle_detail_page(request: HttpRequest, vehicle_id: uuid.UUID) -> HttpResponse:
    vehicle = get_or_404(Vehicle, vehicle_id)
    history = vehicle_history(vehicle=vehicle, actor=request.actor)
    return render(
        request,
        "customers/vehicle.html",
        {
            "vehicle": vehicle,
            "owners": history["owners"],
            "sections": _sections(history["sections"], "vehicles"),
        },
    )


# --- duplicates and merge ----------------------------------------------------------------
@page_permission(perm.VIEW)
def duplicates_page(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or None
    if kind not in (None, "phone", "email", "name_address"):
        kind = None
    page = duplicate_pairs(kind=kind, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None)
    return render(
        request,
        "customers/duplicates.html",
        {
            "pairs": page["items"],
            "next_cursor": page["next_cursor"],
            "kind": kind or "",
            "can_merge": request.actor.has(perm.MERGE),
        },
    )


@page_permission(perm.MERGE)
@require_POST
def duplicate_dismiss_page(
    request: HttpRequest, customer_id: uuid.UUID, other_id: uuid.UUID
) -> HttpResponse:
    """ "Not a duplicate" on the review: the pair leaves it (undo through the API)."""
    customer = get_or_404(Customer, customer_id)
    other = get_or_404(Customer, other_id)
    try:
        services.duplicate_dismiss(
            org=request.org,
            actor=request.actor,
            customer=customer,
            other=other,
            note=request.POST.get("note", "")[:500],
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"{customer.number} and {other.number} marked as different people."
        )
    kind = request.POST.get("kind", "")
    url = reverse("customers:duplicates")
    return redirect(f"{url}?kind={kind}" if kind in ("phone", "email", "name_address") else url)


MERGE_ROWS = (
    ("Number", "number"),
    ("Name", "display_name"),
    ("Status", "status"),
    ("Lifecycle", "lifecycle_stage"),
    ("Company", "company"),
    ("Created", "created_at"),
)


@page_permission(perm.MERGE)
def merge_page(request: HttpRequest, customer_id: uuid.UUID, duplicate_id: uuid.UUID):
    survivor = selectors.customer_get(org=request.org, id=customer_id)
    duplicate = selectors.customer_get(org=request.org, id=duplicate_id)
    if request.method == "POST":
        result = customer_merge(
            org=request.org, actor=request.actor, survivor=survivor, duplicate=duplicate
        )
        moved = sum(result["moves"].values())
        messages.success(
            request,
            f"{duplicate.number} merged into {survivor.number} ({moved} records moved).",
        )
        return redirect("customers:detail", survivor.pk)
    preview = merge_preview(survivor, duplicate)
    rows = []
    for label, name in MERGE_ROWS:
        rows.append((label, _text(getattr(survivor, name)), _text(getattr(duplicate, name))))
    for label, attr, show in (
        ("Phones", "phones", lambda p: phone_display(p.number)),
        ("Emails", "emails", lambda e: e.address),
        ("Addresses", "addresses", str),
        ("Tags", "tags", lambda t: t.tag),
    ):
        rows.append(
            (
                label,
                _text([show(x) for x in getattr(survivor, attr).all()]),
                _text([show(x) for x in getattr(duplicate, attr).all()]),
            )
        )
    return render(
        request,
        "customers/merge.html",
        {
            "survivor": survivor,
            "duplicate": duplicate,
            "rows": rows,
            "moves": [(_label(k.rsplit(".", 1)[-1]), v) for k, v in preview["moves"].items()],
            "fields": [(_label(k), _text(v)) for k, v in preview["fields"].items()],
            "swap_url": reverse("customers:merge", args=[duplicate.pk, survivor.pk]),
        },
    )


# --- companies ---------------------------------------------------------------------------
@page_permission(perm.VIEW)
def company_list_page(request: HttpRequest) -> HttpResponse:
    form = CompanyFilterForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    params = ListParams(limit=50, cursor=request.GET.get("cursor") or None)
    page = paginate(
        selectors.company_list(q=q), params=params, orders=selectors.COMPANY_ORDERS, default="name"
    )
    return render(
        request,
        "customers/companies.html",
        {"form": form, "companies": page["items"], "next_cursor": page["next_cursor"], "q": q},
    )


@page_permission(perm.VIEW)
def company_detail_page(request: HttpRequest, company_id: uuid.UUID) -> HttpResponse:
    company = get_or_404(Company, company_id)
    contacts = list(
        Customer.objects.filter(company=company, merged_into__isnull=True).order_by("name_key")[
            :100
        ]
    )
    return render(request, "customers/company.html", {"company": company, "contacts": contacts})
