from django.urls import include, path

from frontdesk.api import api
from frontdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    # the SMS provider's signed webhooks (plain views: not for staff or integrators)
    path("api/crm/providers/", include("frontdesk.messaging.provider_urls")),
    path("api/", api.urls),
    path("accounts/", include("frontdesk.accounts.urls")),
    path("settings/", include("frontdesk.organizations.urls")),
    path("settings/", include("frontdesk.integrations.urls")),
    path("audit/", include("frontdesk.audit.urls")),
    path("customers/import/", include("frontdesk.customers.urls_import")),
    path("", include("frontdesk.customers.urls")),
    path("schedule/", include("frontdesk.scheduling.urls")),
    path("pipeline/", include("frontdesk.pipeline.urls")),
    path("messages/", include("frontdesk.messaging.urls")),
    path("billing/", include("frontdesk.money.urls")),
    path("loyalty/", include("frontdesk.loyalty.urls")),
    path("memberships/", include("frontdesk.memberships.urls")),
    path("inquiries/", include("frontdesk.inquiries.urls")),
    path("calls/", include("frontdesk.telephony.urls")),
    path("", include("frontdesk.core.urls")),
]

handler404 = "frontdesk.core.views.handler404"
handler500 = "frontdesk.core.views.handler500"
handler403 = "frontdesk.core.views.handler403"
