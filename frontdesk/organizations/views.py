"""Organization settings, staff and roles, API tokens: forms validate, services write."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError, NotFound
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.organizations import selectors, services
from frontdesk.organizations.choices import Role
from frontdesk.organizations.forms import OrganizationForm, StaffAddForm, StaffRoleForm, TokenForm
from frontdesk.organizations.models import ApiToken, Membership
from frontdesk.organizations.roles import PERMISSIONS


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]
    for error in errors:
        field = error["field"] if error["field"] in form.fields else None
        form.add_error(field, error["message"])


@page_permission("organization.view")
def settings_page(request: HttpRequest) -> HttpResponse:
    org = request.org
    can_edit = request.actor.has("organization.manage")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only an owner changes the organization's settings.")
    initial = {f: getattr(org, f) for f in OrganizationForm.base_fields}
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(org=org, actor=request.actor, data=dict(form.cleaned_data))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("organizations:settings")
    return render(
        request, "organizations/settings.html", {"form": form, "can_edit": can_edit, "org": org}
    )


def _permission_matrix() -> list[dict]:
    return [
        {"description": description, "roles": [role in holders for role in Role]}
        for description, holders in PERMISSIONS.values()
    ]


@page_permission("staff.view")
def staff_page(request: HttpRequest) -> HttpResponse:
    can_manage = request.actor.has("staff.manage")
    if request.method == "POST" and not can_manage:
        raise PermissionDenied("Only an owner adds staff.")
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_add(org=request.org, actor=request.actor, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['email']} was added.")
            return redirect("organizations:staff")
    return render(
        request,
        "organizations/staff.html",
        {
            "form": form,
            "members": selectors.membership_list().order_by("user__email"),
            "can_manage": can_manage,
            "roles": Role.choices,
            "matrix": _permission_matrix(),
        },
    )


@require_POST
@page_permission("staff.manage")
def staff_change(request: HttpRequest, membership_id) -> HttpResponse:
    membership = get_or_404(Membership.objects.select_related("user"), membership_id)
    data = {}
    if "role" in request.POST:
        form = StaffRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the roles.")
            return redirect("organizations:staff")
        data["role"] = form.cleaned_data["role"]
    if "is_active" in request.POST:
        data["is_active"] = request.POST["is_active"] == "true"
    try:
        services.staff_update(
            org=request.org, actor=request.actor, membership=membership, data=data
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{membership.user.email} updated.")
    return redirect("organizations:staff")


@page_permission("tokens.own")
def tokens_page(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        membership = Membership.objects.select_related("user").get(pk=request.actor.membership_id)
        try:
            token, raw = services.token_create(
                org=request.org, actor=request.actor, membership=membership, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm()
    all_tokens = request.actor.has("tokens.manage")
    tokens = selectors.token_list(actor=request.actor, all_tokens=all_tokens)
    response = render(
        request,
        "organizations/tokens.html",
        {"form": form, "tokens": tokens, "created": created, "all_tokens": all_tokens},
    )
    # the raw token is in this page only: never keep it in a cache or the history
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@page_permission("tokens.own")
def token_revoke(request: HttpRequest, token_id) -> HttpResponse:
    token = get_or_404(ApiToken.objects.all(), token_id)
    if token.membership_id != request.actor.membership_id and not request.actor.has(
        "tokens.manage"
    ):
        raise NotFound(f"No API token with id {token_id}.")
    services.token_revoke(org=request.org, actor=request.actor, token=token)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("organizations:tokens")
