from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from frontdesk.accounts.models import normalize_login_email
from frontdesk.organizations.auth import memberships_of


class EmailLoginForm(AuthenticationForm):
    """Email and password. Every failure says the same thing: no user enumeration."""

    username = forms.EmailField(label="Email", max_length=254)
    error_messages = {
        "invalid_login": "Email or password is incorrect.",
        "inactive": "Email or password is incorrect.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        # An account without an active organization cannot work in Frontdesk.
        if self.user_cache is not None and not memberships_of(self.user_cache):
            raise self.get_invalid_login_error()
        return cleaned


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form skips accounts without a usable password; staff an owner added
    have none until they choose one here. Only people with an active membership get mail,
    and the page answers the same whoever asks (no user enumeration)."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(
            email=normalize_login_email(email), is_active=True
        )
        return (user for user in users if memberships_of(user))
