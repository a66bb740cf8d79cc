"""The SMS provider's webhooks, mounted at ``/api/crm/providers/`` (before the API)."""

from django.urls import path

from frontdesk.messaging import providers

app_name = "providers"
urlpatterns = [
    path("sms/status", providers.sms_status, name="sms_status"),
    path("sms/inbound", providers.sms_inbound, name="sms_inbound"),
]
