"""Pages of loyalty: the rewards catalog with the program's settings, and the loyalty
panel of the customer 360 (add and redeem points). Each view validates a form and calls
one service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontdesk.core.errors import DomainError
from frontdesk.core.lookups import get_or_404
from frontdesk.core.pages import page_permission
from frontdesk.customers.models import Customer
from frontdesk.loyalty import permissions as perm
from frontdesk.loyalty import selectors, services
from frontdesk.loyalty.forms import (
    LoyaltySettingsForm,
    PointsAddForm,
    PointsRedeemForm,
    RewardForm,
)
from frontdesk.loyalty.models import Reward
from frontdesk.loyalty.program import LoyaltySettings


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]
    aliases = {"reward_id": "reward"}
    for error in errors:
        name = aliases.get(error["field"], error["field"])
        form.add_error(name if name in form.fields else None, error["message"])


@page_permission(perm.VIEW)
def rewards_page(request: HttpRequest) -> HttpResponse:
    org = request.org
    can_catalog = request.actor.has(perm.CATALOG)
    can_settings = request.actor.has(perm.SETTINGS)
    program = LoyaltySettings.of(org)
    forms = {
        "reward": RewardForm(prefix="reward"),
        "settings": LoyaltySettingsForm(prefix="settings", initial=program.as_dict()),
    }
    status = 200
    if request.method == "POST":
        which = "settings" if request.POST.get("form") == "settings" else "reward"
        if not (can_settings if which == "settings" else can_catalog):
            return render(
                request,
                "errors/403.html",
                {"reason": "Your role may not change the loyalty program."},
                status=403,
            )
        form_class = LoyaltySettingsForm if which == "settings" else RewardForm
        form = forms[which] = form_class(request.POST, prefix=which)
        if form.is_valid():
            try:
                if which == "settings":
                    services.loyalty_settings_update(
                        org=org, actor=request.actor, data=form.cleaned_data
                    )
                else:
                    services.reward_create(org=org, actor=request.actor, data=form.cleaned_data)
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("loyalty:rewards")
        status = 422
    return render(
        request,
        "loyalty/rewards.html",
        {
            "rewards": selectors.reward_list(),
            "program": program,
            "forms": forms,
            "can_catalog": can_catalog,
            "can_settings": can_settings,
        },
        status=status,
    )


@require_POST
@page_permission(perm.CATALOG)
def reward_toggle(request: HttpRequest, pk) -> HttpResponse:
    reward = get_or_404(Reward, pk)
    services.reward_update(
        org=request.org, actor=request.actor, reward=reward, data={"active": not reward.active}
    )
    return redirect("loyalty:rewards")


def _panel(request: HttpRequest, customer: Customer, *, add=None, redeem=None, status=200):
    summary = selectors.loyalty_summary(org=request.org, customer=customer, history=50)
    return render(
        request,
        "loyalty/customer.html",
        {
            "customer": customer,
            "loyalty": summary,
            "add_form": add or PointsAddForm(prefix="add"),
            "redeem_form": redeem or PointsRedeemForm(prefix="redeem"),
            "can_adjust": request.actor.has(perm.ADJUST)
            and not customer.merged_into_id
            and customer.status != "archived",
        },
        status=status,
    )


@page_permission(perm.VIEW)
def customer_loyalty(request: HttpRequest, pk) -> HttpResponse:
    """A customer's points: balance, tier, history, and the add and redeem forms."""
    return _panel(request, get_or_404(Customer, pk))


@require_POST
@page_permission(perm.ADJUST)
def points_add(request: HttpRequest, pk) -> HttpResponse:
    customer = get_or_404(Customer, pk)
    form = PointsAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            services.points_add(
                org=request.org,
                actor=request.actor,
                customer=customer,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
            return _panel(request, customer, add=form, status=exc.status)
        return _after(request, customer, f"{form.cleaned_data['points']} points added.")
    return _panel(request, customer, add=form, status=422)


@require_POST
@page_permission(perm.ADJUST)
def points_redeem(request: HttpRequest, pk) -> HttpResponse:
    customer = get_or_404(Customer, pk)
    form = PointsRedeemForm(request.POST, prefix="redeem")
    status = 422
    if form.is_valid():
        reward = form.cleaned_data["reward"]
        try:
            services.points_redeem_reward(
                org=request.org,
                actor=request.actor,
                customer=customer,
                reward=reward,
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            _form_error(form, exc)
            status = exc.status
        else:
            return _after(request, customer, f"Redeemed {reward.name}.")
    return _panel(request, customer, redeem=form, status=status)


def _after(request: HttpRequest, customer: Customer, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("loyalty:customer", args=[customer.pk]))
