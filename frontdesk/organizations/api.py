from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate
from frontdesk.core.errors import NotFound
from frontdesk.core.lookups import get_or_404
from frontdesk.organizations import selectors, services
from frontdesk.organizations.models import ApiToken, Membership
from frontdesk.organizations.schemas import (
    MeOut,
    OrganizationOut,
    OrganizationPatch,
    StaffIn,
    StaffOut,
    StaffPatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["organization"])
ERRORS = error_responses(401, 403, 404, 422)


@router.get("/me", auth=api_permission("dashboard.view"), response={200: MeOut, **ERRORS})
def me(request: HttpRequest):
    """Who the credential belongs to: organization, role, and the permissions it holds."""
    actor = request.auth
    return {
        "organization": request.org,
        "user_id": actor.user_id,
        "email": actor.label.split(" ")[0],
        "role": actor.role,
        "kind": actor.kind,
        "permissions": sorted(actor.permissions),
    }


@router.get(
    "/organization",
    auth=api_permission("organization.view"),
    response={200: OrganizationOut, **ERRORS},
)
def organization_get(request: HttpRequest):
    """The organization's profile and settings."""
    return request.org


@router.patch(
    "/organization",
    auth=api_permission("organization.manage"),
    response={200: OrganizationOut, **ERRORS},
)
def organization_patch(request: HttpRequest, payload: OrganizationPatch):
    """Change the organization's profile or settings; only the fields sent change."""
    return services.organization_update(
        org=request.org, actor=request.auth, data=payload.model_dump(exclude_unset=True)
    )


@router.get("/staff", auth=api_permission("staff.view"), response={200: Page[StaffOut], **ERRORS})
def staff_list(
    request: HttpRequest,
    params: Query[ListParams],
    role: str | None = None,
    is_active: bool | None = None,
    q: str | None = None,
):
    """Staff members, filtered by role, active state or a name/email fragment (`q`)."""
    qs = selectors.membership_list(role=role, is_active=is_active, q=q)
    return paginate(
        qs, params=params, orders={"created_at": "created_at", "role": "role"}, default="created_at"
    )


@router.post(
    "/staff",
    auth=api_permission("staff.manage"),
    response={201: StaffOut, **error_responses(401, 403, 409, 422)},
)
def staff_create(request: HttpRequest, payload: StaffIn):
    """Give a person a role; 409 if they are already on the staff."""
    membership = services.staff_add(org=request.org, actor=request.auth, **payload.model_dump())
    return Status(201, membership)


@router.get(
    "/staff/{membership_id}", auth=api_permission("staff.view"), response={200: StaffOut, **ERRORS}
)
def staff_get(request: HttpRequest, membership_id: UUID):
    """One staff member."""
    return get_or_404(Membership.objects.select_related("user"), membership_id)


@router.patch(
    "/staff/{membership_id}",
    auth=api_permission("staff.manage"),
    response={200: StaffOut, **error_responses(401, 403, 404, 409, 422)},
)
def staff_patch(request: HttpRequest, membership_id: UUID, payload: StaffPatch):
    """Change a member's role, advisor flag or title, or deactivate them. Takes effect on
    their next request; 409 when it would leave the organization without an active owner."""
    membership = get_or_404(Membership.objects.select_related("user"), membership_id)
    return services.staff_update(
        org=request.org,
        actor=request.auth,
        membership=membership,
        data=payload.model_dump(exclude_unset=True),
    )


@router.get("/tokens", auth=api_permission("tokens.own"), response={200: Page[TokenOut], **ERRORS})
def token_list(request: HttpRequest, params: Query[ListParams]):
    """API tokens: one's own, or every token of the organization with `tokens.manage`."""
    qs = selectors.token_list(actor=request.auth, all_tokens=request.auth.has("tokens.manage"))
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")


@router.post(
    "/tokens", auth=api_permission("tokens.own"), response={201: TokenCreatedOut, **ERRORS}
)
def token_create(request: HttpRequest, payload: TokenIn, response: HttpResponse):
    """Create an API token for oneself. The token is in this response only: store it now.
    (With an Idempotency-Key, a repeat answers 409 rather than show the token again.)"""
    response["Cache-Control"] = "no-store"
    membership = Membership.objects.select_related("user").get(pk=request.auth.membership_id)
    token, raw = services.token_create(
        org=request.org,
        actor=request.auth,
        membership=membership,
        name=payload.name,
        is_assistant=payload.is_assistant,
    )
    token.token = raw
    return Status(201, token)


@router.post(
    "/tokens/{token_id}/revoke",
    auth=api_permission("tokens.own"),
    response={200: TokenOut, **ERRORS},
)
def token_revoke(request: HttpRequest, token_id: UUID):
    """Revoke a token (one's own, or any with `tokens.manage`); revoking twice is harmless."""
    token = get_or_404(ApiToken.objects.select_related("membership__user"), token_id)
    if token.membership_id != request.auth.membership_id and not request.auth.has("tokens.manage"):
        raise NotFound(f"No API token with id {token_id}.")
    return services.token_revoke(org=request.org, actor=request.auth, token=token)
