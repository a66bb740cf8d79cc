"""``/api/crm`` customers, companies and vehicles: thin endpoints over selectors and
services. Path ids are looked up in the caller's organization (404 otherwise) before
any permission beyond the endpoint's own is considered."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontdesk.core.api import (
    ListParams,
    Page,
    api_permission,
    error_responses,
    json_response,
    paginate,
)
from frontdesk.core.errors import NotFound
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers import permissions as perm
from frontdesk.customers import selectors, services
from frontdesk.customers.duplicates import duplicate_pairs
from frontdesk.customers.history import vehicle_history
from frontdesk.customers.merge import customer_merge
from frontdesk.customers.models import Company, Customer, CustomerVehicle, NotDuplicate, Vehicle
from frontdesk.customers.overview import customer_overview_data
from frontdesk.customers.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPatch,
    CustomerFilter,
    CustomerIn,
    CustomerOut,
    CustomerPage,
    CustomerPatch,
    CustomerPutIn,
    CustomerVehicleIn,
    CustomerVehicleOut,
    CustomerVehiclePatch,
    DuplicatePairOut,
    DuplicateProblemOut,
    MergeIn,
    MergeOut,
    NotDuplicateIn,
    NotDuplicateOut,
    NoteIn,
    NoteOut,
    OverviewOut,
    TagsIn,
    TagsOut,
    VehicleHistoryOut,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
)

router = Router(tags=["customers"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)
DUPLICATE = {409: DuplicateProblemOut}


def _customer(request: HttpRequest, customer_id: UUID) -> Customer:
    return get_or_404(Customer, customer_id)


def _detail(request: HttpRequest, customer: Customer) -> Customer:
    return selectors.customer_get(org=request.org, id=customer.pk)


# --- customers ---------------------------------------------------------------------------
@router.get(
    "/customers",
    auth=api_permission(perm.VIEW),
    response={200: CustomerPage, **READ},
)
def customer_list(request: HttpRequest, params: Query[ListParams], filters: Query[CustomerFilter]):
    """Customers, filtered; ``q`` searches (results in match order, ``order`` ignored).
    A name search that finds nobody answers close names instead, with
    ``close_matches: true``."""
    data = filters.model_dump(exclude={"q"})
    page = selectors.customer_list_page(org=request.org, filters=data, params=params, q=filters.q)
    return json_response(CustomerPage.data_from_rows(page))


@router.post(
    "/customers",
    auth=api_permission(perm.CREATE),
    response={201: CustomerOut, **WRITE, **DUPLICATE},
)
def customer_create(request: HttpRequest, payload: CustomerIn):
    """Create a customer. A phone or email another customer has answers 409 with the
    ``matches`` and ranked ``likely`` ones; ``allow_duplicate: true`` creates anyway."""
    data = payload.model_dump(exclude={"allow_duplicate"})
    customer = services.customer_create(
        org=request.org, actor=request.auth, data=data, allow_duplicate=payload.allow_duplicate
    )
    return Status(201, _detail(request, customer))


@router.get(
    "/customers/duplicates",
    auth=api_permission(perm.VIEW),
    response={200: Page[DuplicatePairOut], **READ},
)
def customer_duplicates(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
    kind: Literal["phone", "email", "name_address"] | None = None,
):
    """Candidate pairs among existing customers: same phone, same email, or a similar
    name at the same address. Review, then merge."""
    return duplicate_pairs(kind=kind, limit=limit, cursor=cursor)


@router.get(
    "/customers/duplicates/dismissals",
    auth=api_permission(perm.VIEW),
    response={200: Page[NotDuplicateOut], **READ},
)
def duplicate_dismissal_list(request: HttpRequest, params: Query[ListParams]):
    """Pairs reviewers marked "not a duplicate", newest first."""
    qs = NotDuplicate.objects.select_related("customer_a", "customer_b")
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")


@router.post(
    "/customers/duplicates/dismissals",
    auth=api_permission(perm.MERGE),
    response={200: NotDuplicateOut, 201: NotDuplicateOut, **WRITE},
)
def duplicate_dismiss(request: HttpRequest, payload: NotDuplicateIn):
    """Mark two customers as different people: the pair leaves the duplicates review.
    201 the first time, 200 with the same decision when asked again."""
    customer = get_referenced(Customer, payload.customer_id, field="customer_id", status=404)
    other = get_referenced(Customer, payload.other_id, field="other_id", status=404)
    decision, created = services.duplicate_dismiss(
        org=request.org, actor=request.auth, customer=customer, other=other, note=payload.note
    )
    return Status(201 if created else 200, decision)


@router.delete(
    "/customers/duplicates/dismissals/{dismissal_id}",
    auth=api_permission(perm.MERGE),
    response={204: None, **WRITE},
)
def duplicate_dismissal_undo(request: HttpRequest, dismissal_id: UUID):
    """Forget a "not a duplicate" decision: the pair is offered for review again."""
    decision = get_or_404(NotDuplicate, dismissal_id)
    services.duplicate_dismissal_undo(org=request.org, actor=request.auth, decision=decision)
    return Status(204, None)


@router.get(
    "/customers/{customer_id}", auth=api_permission(perm.VIEW), response={200: CustomerOut, **READ}
)
def customer_get(request: HttpRequest, customer_id: UUID):
    """One customer with phones, emails, addresses, tags and company."""
    row, _ = selectors.customer_detail_row(org=request.org, id=customer_id)
    return json_response(CustomerOut.data_from_row(row))


@router.put(
    "/customers/{customer_id}",
    auth=api_permission(perm.EDIT),
    response={200: CustomerOut, **WRITE, **DUPLICATE},
)
def customer_put(request: HttpRequest, customer_id: UUID, payload: CustomerPutIn):
    """Replace the whole profile (fields left out take their defaults)."""
    customer = _customer(request, customer_id)
    customer = services.customer_update(
        org=request.org,
        actor=request.auth,
        customer=customer,
        data=payload.model_dump(exclude={"allow_duplicate"}),
        allow_duplicate=payload.allow_duplicate,
    )
    return _detail(request, customer)


@router.patch(
    "/customers/{customer_id}",
    auth=api_permission(perm.EDIT),
    response={200: CustomerOut, **WRITE, **DUPLICATE},
)
def customer_patch(request: HttpRequest, customer_id: UUID, payload: CustomerPatch):
    """Change the fields sent; a list sent replaces that list."""
    customer = _customer(request, customer_id)
    customer = services.customer_update(
        org=request.org,
        actor=request.auth,
        customer=customer,
        data=payload.model_dump(exclude_unset=True, exclude={"allow_duplicate"}),
        allow_duplicate=payload.allow_duplicate,
    )
    return _detail(request, customer)


@router.delete(
    "/customers/{customer_id}",
    auth=api_permission(perm.ARCHIVE),
    response={200: CustomerOut, **WRITE},
)
def customer_archive(request: HttpRequest, customer_id: UUID):
    """Archive — customers are never deleted. Restore with ``POST …/restore``."""
    customer = _customer(request, customer_id)
    services.customer_archive(org=request.org, actor=request.auth, customer=customer)
    return _detail(request, customer)


@router.post(
    "/customers/{customer_id}/restore",
    auth=api_permission(perm.ARCHIVE),
    response={200: CustomerOut, **WRITE},
)
def customer_restore(request: HttpRequest, customer_id: UUID):
    """Restore an archived customer."""
    customer = _customer(request, customer_id)
    services.customer_restore(org=request.org, actor=request.auth, customer=customer)
    return _detail(request, customer)


@router.get(
    "/customers/{customer_id}/notes",
    auth=api_permission(perm.VIEW),
    response={200: Page[NoteOut], **READ},
)
def customer_note_list(request: HttpRequest, customer_id: UUID, params: Query[ListParams]):
    """The customer's note entries, newest first."""
    qs = selectors.customer_note_list(customer=_customer(request, customer_id))
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")


@router.post(
    "/customers/{customer_id}/notes",
    auth=api_permission(perm.EDIT),
    response={201: NoteOut, **WRITE},
)
def customer_note_add(request: HttpRequest, customer_id: UUID, payload: NoteIn):
    """Add a note entry to the customer."""
    note = services.customer_note_add(
        org=request.org,
        actor=request.auth,
        customer=_customer(request, customer_id),
        body=payload.body,
    )
    return Status(201, note)


@router.post(
    "/customers/{customer_id}/tags",
    auth=api_permission(perm.EDIT),
    response={200: TagsOut, **WRITE},
)
def customer_tags_add(request: HttpRequest, customer_id: UUID, payload: TagsIn):
    """Add tags (adding one it has changes nothing)."""
    tags = services.customer_tags_add(
        org=request.org,
        actor=request.auth,
        customer=_customer(request, customer_id),
        tags=payload.tags,
    )
    return {"tags": tags}


@router.delete(
    "/customers/{customer_id}/tags/{tag}",
    auth=api_permission(perm.EDIT),
    response={200: TagsOut, **WRITE},
)
def customer_tag_remove(request: HttpRequest, customer_id: UUID, tag: str):
    """Remove a tag (removing one it lacks changes nothing)."""
    tags = services.customer_tag_remove(
        org=request.org, actor=request.auth, customer=_customer(request, customer_id), tag=tag
    )
    return {"tags": tags}


@router.post(
    "/customers/{customer_id}/merge",
    auth=api_permission(perm.MERGE),
    response={200: MergeOut, **WRITE},
)
def customer_merge_into(request: HttpRequest, customer_id: UUID, payload: MergeIn):
    """Merge ``duplicate_id`` into this customer in one transaction: every related record
    moves here, the duplicate stays as an archived tombstone. ``dry_run`` previews."""
    survivor = _customer(request, customer_id)
    duplicate = get_or_404(Customer, payload.duplicate_id)
    result = customer_merge(
        org=request.org,
        actor=request.auth,
        survivor=survivor,
        duplicate=duplicate,
        dry_run=payload.dry_run,
    )
    if not payload.dry_run:
        result["survivor"] = _detail(request, survivor)
    return result


@router.get(
    "/customers/{customer_id}/overview",
    auth=api_permission(perm.VIEW),
    response={200: OverviewOut, **READ},
)
def customer_overview_get(request: HttpRequest, customer_id: UUID):
    """The 360: identity, contact, consent, vehicles, notes, tags and every section
    another domain registered."""
    return OverviewOut.from_data(
        customer_overview_data(org=request.org, id=customer_id, actor=request.auth)
    )


# --- customers' vehicles -----------------------------------------------------------------
@router.get(
    "/customers/{customer_id}/vehicles",
    auth=api_permission(perm.VIEW),
    response={200: Page[CustomerVehicleOut], **READ},
)
def customer_vehicle_list(request: HttpRequest, customer_id: UUID, params: Query[ListParams]):
    """The customer's vehicles with the relationship fields."""
    qs = selectors.customer_vehicle_list(customer=_customer(request, customer_id))
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="created_at")


@router.post(
    "/customers/{customer_id}/vehicles",
    auth=api_permission(perm.EDIT),
    response={201: CustomerVehicleOut, **WRITE},
)
def customer_vehicle_add(request: HttpRequest, customer_id: UUID, payload: CustomerVehicleIn):
    """Link a new vehicle (``vehicle``) or an existing one (``vehicle_id``). A VIN the
    organization has already answers 409 with ``existing_vehicle_id``."""
    link = payload.model_dump(exclude={"vehicle", "vehicle_id"})
    vehicle = payload.vehicle.model_dump(exclude_unset=True) if payload.vehicle else None
    row = services.customer_vehicle_add(
        org=request.org,
        actor=request.auth,
        customer=_customer(request, customer_id),
        link=link,
        vehicle=vehicle,
        vehicle_id=payload.vehicle_id,
    )
    return Status(201, row)


@router.patch(
    "/customers/{customer_id}/vehicles/{vehicle_id}",
    auth=api_permission(perm.EDIT),
    response={200: CustomerVehicleOut, **WRITE},
)
def customer_vehicle_patch(
    request: HttpRequest, customer_id: UUID, vehicle_id: UUID, payload: CustomerVehiclePatch
):
    """Change the relationship (e.g. ``{"status": "sold", "is_current": false}``)."""
    link = _link(_customer(request, customer_id), vehicle_id)
    return services.customer_vehicle_update(
        org=request.org, actor=request.auth, link=link, data=payload.model_dump(exclude_unset=True)
    )


def _link(customer: Customer, vehicle_id: UUID) -> CustomerVehicle:
    link = (
        CustomerVehicle.objects.select_related("vehicle", "customer")
        .filter(customer=customer, vehicle_id=vehicle_id)
        .first()
    )
    if link is None:
        raise NotFound(f"{customer.number} has no vehicle with id {vehicle_id}.")
    return link


# --- vehicles ----------------------------------------------------------------------------
@router.get("/vehicles", auth=api_permission(perm.VIEW), response={200: Page[VehicleOut], **READ})
def vehicle_list(
    request: HttpRequest,
    params: Query[ListParams],
    vin: str | None = Query(None, max_length=40),
    plate: str | None = Query(None, max_length=16),
):
    """Vehicles by VIN (whole or its start) and plate (start; spaces and dashes ignored)."""
    qs = selectors.vehicle_list(vin=vin, plate=plate)
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="created_at")


@router.get(
    "/vehicles/{vehicle_id}", auth=api_permission(perm.VIEW), response={200: VehicleOut, **READ}
)
def vehicle_get(request: HttpRequest, vehicle_id: UUID):
    """One vehicle."""
    return get_or_404(Vehicle, vehicle_id)


@router.put(
    "/vehicles/{vehicle_id}", auth=api_permission(perm.EDIT), response={200: VehicleOut, **WRITE}
)
def vehicle_put(request: HttpRequest, vehicle_id: UUID, payload: VehicleIn):
    """Replace a vehicle's fields (VIN rules apply)."""
    vehicle = get_or_404(Vehicle, vehicle_id)
    return services.vehicle_update(
        org=request.org, actor=request.auth, vehicle=vehicle, data=payload.model_dump()
    )


@router.patch(
    "/vehicles/{vehicle_id}", auth=api_permission(perm.EDIT), response={200: VehicleOut, **WRITE}
)
def vehicle_patch(request: HttpRequest, vehicle_id: UUID, payload: VehiclePatch):
    """Change some of a vehicle's fields (VIN rules apply)."""
    vehicle = get_or_404(Vehicle, vehicle_id)
    return services.vehicle_update(
        org=request.org,
        actor=request.auth,
        vehicle=vehicle,
        data=payload.model_dump(exclude_unset=True),
    )


@router.get(
    "/vehicles/{vehicle_id}/history",
    auth=api_permission(perm.VIEW),
    response={200: VehicleHistoryOut, **READ},
)
def vehicle_history_get(request: HttpRequest, vehicle_id: UUID):
    """Owners over time, and the jobs, appointments and invoices other domains add."""
    return vehicle_history(vehicle=get_or_404(Vehicle, vehicle_id), actor=request.auth)


# --- companies ---------------------------------------------------------------------------
@router.get("/companies", auth=api_permission(perm.VIEW), response={200: Page[CompanyOut], **READ})
def company_list(
    request: HttpRequest,
    params: Query[ListParams],
    q: str | None = Query(None, max_length=200, description="name prefix"),
    status: str | None = Query(None, description="a status, or all; default: not archived"),
):
    """List companies; `q` matches the name, `status` filters."""
    qs = selectors.company_list(q=q, status=status)
    return paginate(qs, params=params, orders=selectors.COMPANY_ORDERS, default="name")


@router.post("/companies", auth=api_permission(perm.EDIT), response={201: CompanyOut, **WRITE})
def company_create(request: HttpRequest, payload: CompanyIn):
    """Create a company."""
    company = services.company_create(
        org=request.org, actor=request.auth, data=payload.model_dump()
    )
    return Status(201, company)


@router.get(
    "/companies/{company_id}", auth=api_permission(perm.VIEW), response={200: CompanyOut, **READ}
)
def company_get(request: HttpRequest, company_id: UUID):
    """One company."""
    return get_or_404(Company, company_id)


@router.put(
    "/companies/{company_id}", auth=api_permission(perm.EDIT), response={200: CompanyOut, **WRITE}
)
def company_put(request: HttpRequest, company_id: UUID, payload: CompanyIn):
    """Replace a company's editable fields."""
    company = get_or_404(Company, company_id)
    return services.company_update(
        org=request.org, actor=request.auth, company=company, data=payload.model_dump()
    )


@router.patch(
    "/companies/{company_id}",
    auth=api_permission(perm.EDIT),
    response={200: CompanyOut, **WRITE},
)
def company_patch(request: HttpRequest, company_id: UUID, payload: CompanyPatch):
    """Change some of a company's fields."""
    company = get_or_404(Company, company_id)
    return services.company_update(
        org=request.org,
        actor=request.auth,
        company=company,
        data=payload.model_dump(exclude_unset=True),
    )


@router.delete(
    "/companies/{company_id}",
    auth=api_permission(perm.ARCHIVE),
    response={200: CompanyOut, **WRITE},
)
def company_archive(request: HttpRequest, company_id: UUID):
    """Archive — companies are never deleted. Restore with ``POST …/restore``."""
    company = get_or_404(Company, company_id)
    return services.company_archive(org=request.org, actor=request.auth, company=company)


@router.post(
    "/companies/{company_id}/restore",
    auth=api_permission(perm.ARCHIVE),
    response={200: CompanyOut, **WRITE},
)
def company_restore(request: HttpRequest, company_id: UUID):
    """Restore an archived company."""
    company = get_or_404(Company, company_id)
    return services.company_restore(org=request.org, actor=request.auth, company=company)
