"""The REST API: ``/api/crm`` (staff and integrators) and ``/api/public/{org_slug}``.

Each domain app has one Router; mount it here. Every operation declares its permission
(``core.api.api_permission``) or lives under ``/api/public``; ``tests/test_api_contract.py``
fails for an operation that does neither.
"""

from frontdesk.audit.api import router as audit_router
from frontdesk.core.api import ActorRateThrottle, FrontdeskAPI, install_problem_handlers
from frontdesk.customers.api import router as customers_router
from frontdesk.customers.api_imports import router as customer_imports_router
from frontdesk.inquiries.api import router as inquiries_router
from frontdesk.inquiries.public_api import router as inquiries_public_router
from frontdesk.integrations.webhooks.api import router as webhooks_router
from frontdesk.loyalty.api import router as loyalty_router
from frontdesk.memberships.api import router as memberships_router
from frontdesk.messaging.api import router as messaging_router
from frontdesk.messaging.public import router as messaging_public_router
from frontdesk.money.api import router as money_router
from frontdesk.organizations.api import router as organizations_router
from frontdesk.pipeline.api import router as pipeline_router
from frontdesk.scheduling.api import router as scheduling_router
from frontdesk.scheduling.public_api import router as scheduling_public_router
from frontdesk.telephony.api import router as telephony_router

api = FrontdeskAPI(
    title="Frontdesk API",
    version="1",
    description=(
        "The Frontdesk CRM API. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `frontdesk token` or on the API tokens page). Errors are "
        "`application/problem+json`; lists are cursor-paginated; writes accept an "
        "`Idempotency-Key` header. See docs/api.md."
    ),
    urls_namespace="api",
    openapi_url="/crm/openapi.json",
    docs_url="/crm/docs",
    throttle=[ActorRateThrottle()],
)
install_problem_handlers(api)

CRM_ROUTERS = [
    organizations_router,
    audit_router,
    customers_router,
    customer_imports_router,
    scheduling_router,
    pipeline_router,
    money_router,
    messaging_router,
    webhooks_router,
    loyalty_router,
    memberships_router,
    inquiries_router,
    telephony_router,
]
for router in CRM_ROUTERS:
    api.add_router("/crm", router)

PUBLIC_ROUTERS = [scheduling_public_router, messaging_public_router, inquiries_public_router]
for router in PUBLIC_ROUTERS:
    api.add_router("/public/{org_slug}", router)
