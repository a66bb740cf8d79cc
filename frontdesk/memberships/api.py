"""``/api/crm/membership-plans`` and ``/api/crm/customers/{id}/membership…``: thin
endpoints over selectors and services; path ids are looked up in the caller's
organization (404 otherwise), ids in bodies too."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers.models import Customer
from frontdesk.memberships import permissions as perm
from frontdesk.memberships import selectors, services
from frontdesk.memberships.models import MembershipPlan
from frontdesk.memberships.schemas import (
    MembershipAssignIn,
    MembershipCancelIn,
    MembershipOut,
    PlanIn,
    PlanOut,
    PlanPatch,
)

router = Router(tags=["memberships"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


def _plan(plan_id) -> MembershipPlan:
    return get_or_404(selectors.plan_qs(), plan_id)


@router.get(
    "/membership-plans", auth=api_permission(perm.VIEW), response={200: Page[PlanOut], **READ}
)
def plan_list(
    request: HttpRequest, params: Query[ListParams], active: bool | None = None, q: str = ""
):
    """Membership plans by name; ``active`` and ``q`` filter."""
    return paginate(
        selectors.plan_list(active=active, q=q or None),
        params=params,
        orders={"name": "name", "created_at": "created_at"},
        default="name",
    )


@router.post("/membership-plans", auth=api_permission(perm.PLANS), response={201: PlanOut, **WRITE})
def plan_create(request: HttpRequest, payload: PlanIn):
    """Create a plan: a discount on everything it does not include, and catalog services
    it includes at its own price (0 = free). 409 if the name is taken."""
    plan = services.plan_create(org=request.org, actor=request.auth, data=payload.model_dump())
    return Status(201, _plan(plan.pk))


@router.patch(
    "/membership-plans/{plan_id}", auth=api_permission(perm.PLANS), response={200: PlanOut, **WRITE}
)
def plan_patch(request: HttpRequest, plan_id: UUID, payload: PlanPatch):
    """Change a plan (``included_services`` replaces the list); ``active: false`` stops
    offering it — members keep it until it ends."""
    plan = _plan(plan_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    services.plan_update(org=request.org, actor=request.auth, plan=plan, data=data)
    return _plan(plan.pk)


@router.post(
    "/customers/{customer_id}/membership",
    auth=api_permission(perm.ASSIGN),
    response={201: MembershipOut, **WRITE},
)
def membership_assign(request: HttpRequest, customer_id: UUID, payload: MembershipAssignIn):
    """Put the customer on a plan: the kind (new, renewal, upgrade, downgrade) comes from
    their history; expiry = start + the plan's duration. A current membership is marked
    replaced. One active membership per customer, even for concurrent requests."""
    customer = get_or_404(Customer, customer_id)
    plan = get_referenced(MembershipPlan, payload.plan_id, field="plan_id")
    return Status(
        201,
        services.membership_assign(
            org=request.org,
            actor=request.auth,
            customer=customer,
            plan=plan,
            starts_on=payload.starts_on,
        ),
    )


@router.get(
    "/customers/{customer_id}/memberships",
    auth=api_permission(perm.VIEW),
    response={200: Page[MembershipOut], **READ},
)
def membership_history(request: HttpRequest, customer_id: UUID, params: Query[ListParams]):
    """The customer's memberships, newest first (active, replaced, expired, cancelled)."""
    customer = get_or_404(Customer, customer_id)
    return paginate(
        selectors.membership_history(customer=customer),
        params=params,
        orders={"starts_on": "starts_on", "created_at": "created_at"},
        default="-created_at",
    )


@router.post(
    "/customers/{customer_id}/membership/cancel",
    auth=api_permission(perm.ASSIGN),
    response={200: MembershipOut, **WRITE},
)
def membership_cancel(request: HttpRequest, customer_id: UUID, payload: MembershipCancelIn):
    """End the active membership today; 409 if there is none."""
    customer = get_or_404(Customer, customer_id)
    return services.membership_cancel(
        org=request.org, actor=request.auth, customer=customer, reason=payload.reason
    )
