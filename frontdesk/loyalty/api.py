"""``/api/crm/loyalty``: the program's settings, the rewards catalog, a customer's balance,
tier and history, and adding or redeeming points. Thin endpoints over selectors and
services; path ids are looked up in the caller's organization (404 otherwise)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.errors import ValidationFailed
from frontdesk.core.lookups import get_or_404, get_referenced
from frontdesk.customers.models import Customer
from frontdesk.loyalty import permissions as perm
from frontdesk.loyalty import redemption, selectors, services
from frontdesk.loyalty.models import Reward
from frontdesk.loyalty.program import LoyaltySettings
from frontdesk.loyalty.schemas import (
    LoyaltyOut,
    LoyaltySettingsOut,
    LoyaltySettingsPatch,
    PointsAddIn,
    PointsEntryCreatedOut,
    PointsEntryOut,
    PointsRedeemIn,
    RewardIn,
    RewardOut,
    RewardPatch,
)

router = Router(tags=["loyalty"])
READ = error_responses(401, 403, 404, 422)
WRITE = error_responses(401, 403, 404, 409, 422)


# --- settings ----------------------------------------------------------------------------
@router.get(
    "/loyalty/settings",
    auth=api_permission(perm.VIEW),
    response={200: LoyaltySettingsOut, **READ},
)
def loyalty_settings_get(request: HttpRequest):
    """The program: earn rate, point value, tier thresholds and expiry."""
    return LoyaltySettings.of(request.org).as_dict()


@router.patch(
    "/loyalty/settings",
    auth=api_permission(perm.SETTINGS),
    response={200: LoyaltySettingsOut, **WRITE},
)
def loyalty_settings_patch(request: HttpRequest, payload: LoyaltySettingsPatch):
    """Change some of the program's settings; the others keep their values
    (``expiry_days: null`` switches expiry off)."""
    data = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in data.items() if v is not None or k == "expiry_days"}
    return services.loyalty_settings_update(
        org=request.org, actor=request.auth, data=data
    ).as_dict()


# --- rewards -----------------------------------------------------------------------------
@router.get(
    "/loyalty/rewards", auth=api_permission(perm.VIEW), response={200: Page[RewardOut], **READ}
)
def reward_list(
    request: HttpRequest, params: Query[ListParams], active: bool | None = None, q: str = ""
):
    """The rewards catalog, cheapest first; ``active`` and ``q`` (name) filter it."""
    qs = selectors.reward_list(active=active, q=q or None)
    return paginate(
        qs,
        params=params,
        orders={"points_cost": "points_cost", "name": "name", "created_at": "created_at"},
        default="points_cost",
    )


@router.post(
    "/loyalty/rewards", auth=api_permission(perm.CATALOG), response={201: RewardOut, **WRITE}
)
def reward_create(request: HttpRequest, payload: RewardIn):
    """Add a reward; 409 if its name is taken."""
    reward = services.reward_create(org=request.org, actor=request.auth, data=payload.dict())
    return Status(201, reward)


@router.patch(
    "/loyalty/rewards/{reward_id}",
    auth=api_permission(perm.CATALOG),
    response={200: RewardOut, **WRITE},
)
def reward_patch(request: HttpRequest, reward_id: UUID, payload: RewardPatch):
    """Rename, reprice or switch off a reward (past redemptions keep their points)."""
    reward = get_or_404(Reward, reward_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return services.reward_update(org=request.org, actor=request.auth, reward=reward, data=data)


# --- a customer's points -----------------------------------------------------------------
def _customer(customer_id: UUID) -> Customer:
    return get_or_404(Customer, customer_id)


@router.get(
    "/loyalty/{customer_id}", auth=api_permission(perm.VIEW), response={200: LoyaltyOut, **READ}
)
def loyalty_get(request: HttpRequest, customer_id: UUID):
    """A customer's balance, tier (with the points to the next one) and newest 20
    entries; the whole history is ``GET /loyalty/{customer_id}/entries``."""
    return selectors.loyalty_summary(org=request.org, customer=_customer(customer_id))


@router.get(
    "/loyalty/{customer_id}/entries",
    auth=api_permission(perm.VIEW),
    response={200: Page[PointsEntryOut], **READ},
)
def loyalty_entries(
    request: HttpRequest, customer_id: UUID, params: Query[ListParams], kind: str | None = None
):
    """Every points entry of a customer, newest first; ``kind`` filters
    (earn|add|redeem|reverse|expire)."""
    qs = selectors.entry_list(customer=_customer(customer_id), kind=kind)
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")


def _created(entry, balance: int, credit_note_id=None) -> Status:
    return Status(201, {"entry": entry, "balance": balance, "credit_note_id": credit_note_id})


@router.post(
    "/loyalty/{customer_id}/points/add",
    auth=api_permission(perm.ADJUST),
    response={201: PointsEntryCreatedOut, **WRITE},
)
def points_add(request: HttpRequest, customer_id: UUID, payload: PointsAddIn):
    """Credit points by hand with a reason. Honours ``Idempotency-Key``."""
    customer = _customer(customer_id)
    entry = services.points_add(
        org=request.org,
        actor=request.auth,
        customer=customer,
        points=payload.points,
        reason=payload.reason,
    )
    return _created(entry, selectors.points_balance(customer=customer))


@router.post(
    "/loyalty/{customer_id}/points/redeem",
    auth=api_permission(perm.ADJUST),
    response={201: PointsEntryCreatedOut, **WRITE},
)
def points_redeem(request: HttpRequest, customer_id: UUID, payload: PointsRedeemIn):
    """Spend points on a reward (``reward_id``) or as a discount on an open invoice
    (``invoice_id`` + ``points``, issued as a ``loyalty_redemption`` credit note). 409
    when the balance is short — the balance never goes below zero, even for concurrent
    requests. Honours ``Idempotency-Key``."""
    customer = _customer(customer_id)
    if (payload.reward_id is None) == (payload.invoice_id is None):
        raise ValidationFailed({"reward_id": "Give either reward_id or invoice_id."})
    if payload.reward_id is not None:
        if payload.points is not None:
            raise ValidationFailed({"points": "A reward costs its own points; leave it out."})
        reward = get_referenced(Reward, payload.reward_id, field="reward_id")
        entry = services.points_redeem_reward(
            org=request.org, actor=request.auth, customer=customer, reward=reward, note=payload.note
        )
        return _created(entry, selectors.points_balance(customer=customer))
    if payload.points is None:
        raise ValidationFailed({"points": "How many points to apply to the invoice."})
    entry = redemption.points_redeem_invoice(
        org=request.org,
        actor=request.auth,
        customer=customer,
        invoice_id=payload.invoice_id,
        points=payload.points,
        note=payload.note,
    )
    return _created(entry, selectors.points_balance(customer=customer), entry.credit_note_id)
