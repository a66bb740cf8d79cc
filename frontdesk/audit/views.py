from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from frontdesk.audit.selectors import audit_list
from frontdesk.core.pages import page_permission


@page_permission("audit.view")
def audit_page(request: HttpRequest) -> HttpResponse:
    qs = audit_list(
        object_type=request.GET.get("object_type") or None,
        object_id=request.GET.get("object_id") or None,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page})
