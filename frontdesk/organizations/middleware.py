"""``TenancyMiddleware``: the only place a request's organization is chosen.

It turns the bearer token or the session into ``request.actor`` and ``request.org`` and
runs the rest of the request inside that organization's scope. Public endpoints
(``/api/public/{org_slug}``) choose their organization from the slug instead.
"""

from django.http import HttpRequest, HttpResponse

from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.auth import actor_from_bearer, actor_from_session


class TenancyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None
        request.org = None
        request.auth_failed = False
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, raw = header.partition(" ")
            if scheme.lower() == "bearer" and raw.strip():
                request.actor, request.org = actor_from_bearer(raw.strip())
            request.auth_failed = request.actor is None
        else:
            request.actor, request.org = actor_from_session(request)
        if request.org is None:
            return self.get_response(request)
        with tenant_scope(request.org):
            return self.get_response(request)
