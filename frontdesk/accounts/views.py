"""Login, logout, password change and reset, and switching organization."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontdesk.accounts.forms import EmailLoginForm, StaffPasswordResetForm
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY, memberships_of


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        memberships = memberships_of(form.get_user())
        self.request.session[SESSION_MEMBERSHIP_KEY] = str(memberships[0].pk)
        return response


def lockout(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when an account or an address has failed too often."""
    return render(
        request,
        "accounts/login.html",
        {"form": EmailLoginForm(request), "locked_out": True},
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/simple_form.html"
    success_url = reverse_lazy("core:dashboard")
    extra_context = {"heading": "Change your password", "submit": "Change password"}

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/simple_form.html"
    form_class = StaffPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {
        "heading": "Reset your password",
        "submit": "Send reset link",
        "intro": "Enter your email. If it belongs to an account, we send a link.",
    }


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/simple_form.html"
    extra_context = {
        "heading": "Check your email",
        "intro": "If the address belongs to an account, a reset link is on its way.",
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/simple_form.html"
    success_url = reverse_lazy("accounts:login")
    extra_context = {"heading": "Choose a new password", "submit": "Set password"}


@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("accounts:login"))
    wanted = request.POST.get("membership_id", "")
    for membership in memberships_of(request.user):
        if str(membership.pk) == wanted:
            request.session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
            messages.success(request, f"You are working in {membership.organization.name}.")
            break
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("core:dashboard")
    return HttpResponseRedirect(target)
