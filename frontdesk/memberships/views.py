"""Pages of memberships: the plans admin (add and change plans with their included
services' prices, the renewal reminder's lead time) and a customer's membership
(assign-plan dialog with the history, cancel). Each view validates a form and calls one
service."""

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
from frontdesk.memberships import permissions as perm
from frontdesk.memberships import selectors, services
from frontdesk.memberships.forms import AssignForm, CancelForm, PlanForm, ReminderSettingsForm
from frontdesk.memberships.models import MembershipPlan


def _form_error(form, exc: DomainError) -> None:
    errors = getattr(exc, "errors", None) or [
        {"field": exc.extra.get("field"), "message": exc.detail}
    ]
    aliases = {"plan_id": "plan"}
    for error in errors:
        if isinstance(form, PlanForm) and form.add_service_error(error):
            continue
        name = aliases.get(error["field"], error["field"])
        form.add_error(name if name in form.fields else None, error["message"])


def _plans(request, *, form=None, settings_form=None, status=200) -> HttpResponse:
    return render(
        request,
        "memberships/plans.html",
        {
            "plans": selectors.plan_list(),
            "form": form or PlanForm(prefix="plan"),
            "settings_form": settings_form
            or ReminderSettingsForm(
                prefix="settings", initial={"reminder_days": services.reminder_days(request.org)}
            ),
            "reminder_days": services.reminder_days(request.org),
            "can_edit": request.actor.has(perm.PLANS),
        },
        status=status,
    )


def _refused(request) -> HttpResponse:
    return render(
        request, "errors/403.html", {"reason": "Only owners and managers change plans."}, status=403
    )


@page_permission(perm.VIEW)
def plans_page(request: HttpRequest) -> HttpResponse:
    """The plans with their included services and prices; add a plan; the renewal
    reminder's lead time."""
    if request.method != "POST":
        return _plans(request)
    if not request.actor.has(perm.PLANS):
        return _refused(request)
    if request.POST.get("form") == "settings":
        settings_form = ReminderSettingsForm(request.POST, prefix="settings")
        if settings_form.is_valid():
            try:
                services.membership_settings_update(
                    org=request.org, actor=request.actor, data=settings_form.cleaned_data
                )
            except DomainError as exc:
                _form_error(settings_form, exc)
            else:
                messages.success(request, "Reminder setting saved.")
                return redirect("memberships:plans")
        return _plans(request, settings_form=settings_form, status=422)
    form = PlanForm(request.POST, prefix="plan")
    if form.is_valid():
        try:
            services.plan_create(org=request.org, actor=request.actor, data=form.data_for_service())
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Plan added.")
            return redirect("memberships:plans")
    return _plans(request, form=form, status=422)


@page_permission(perm.PLANS)
def plan_edit(request: HttpRequest, pk) -> HttpResponse:
    """Change a plan's terms and its included services with their prices."""
    plan = get_or_404(selectors.plan_qs(), pk)
    form = PlanForm(request.POST or None, prefix="plan", plan=plan)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.plan_update(
                    org=request.org, actor=request.actor, plan=plan, data=form.data_for_service()
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"{plan.name} saved.")
                return redirect("memberships:plans")
        status = 422
    return render(
        request, "memberships/plan_edit.html", {"plan": plan, "form": form}, status=status
    )


@require_POST
@page_permission(perm.PLANS)
def plan_toggle(request: HttpRequest, pk) -> HttpResponse:
    plan = get_or_404(MembershipPlan, pk)
    services.plan_update(
        org=request.org, actor=request.actor, plan=plan, data={"active": not plan.active}
    )
    return redirect("memberships:plans")


def _customer_page(request, customer, *, assign=None, cancel=None, status=200) -> HttpResponse:
    return render(
        request,
        "memberships/customer.html",
        {
            "customer": customer,
            "current": selectors.membership_active(customer=customer),
            "history": selectors.membership_history(customer=customer)[:100],
            "assign_form": assign or AssignForm(prefix="assign"),
            "cancel_form": cancel or CancelForm(prefix="cancel"),
            "can_assign": request.actor.has(perm.ASSIGN)
            and not customer.merged_into_id
            and customer.status != "archived",
        },
        status=status,
    )


@page_permission(perm.VIEW)
def customer_memberships(request: HttpRequest, pk) -> HttpResponse:
    """A customer's membership: assign a plan, cancel, and the history."""
    return _customer_page(request, get_or_404(Customer, pk))


@require_POST
@page_permission(perm.ASSIGN)
def membership_assign(request: HttpRequest, pk) -> HttpResponse:
    customer = get_or_404(Customer, pk)
    form = AssignForm(request.POST, prefix="assign")
    if form.is_valid():
        try:
            membership = services.membership_assign(
                org=request.org,
                actor=request.actor,
                customer=customer,
                plan=form.cleaned_data["plan"],
                starts_on=form.cleaned_data["starts_on"],
            )
        except DomainError as exc:
            _form_error(form, exc)
            return _customer_page(request, customer, assign=form, status=exc.status)
        messages.success(
            request,
            f"{membership.plan.name} ({membership.get_kind_display().lower()}) "
            f"until {membership.expires_on:%Y-%m-%d}.",
        )
        return redirect(reverse("memberships:customer", args=[customer.pk]))
    return _customer_page(request, customer, assign=form, status=422)


@require_POST
@page_permission(perm.ASSIGN)
def membership_cancel(request: HttpRequest, pk) -> HttpResponse:
    customer = get_or_404(Customer, pk)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.membership_cancel(
                org=request.org,
                actor=request.actor,
                customer=customer,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
            return _customer_page(request, customer, cancel=form, status=exc.status)
        messages.success(request, "Membership cancelled.")
        return redirect(reverse("memberships:customer", args=[customer.pk]))
    return _customer_page(request, customer, cancel=form, status=422)
