from django.http import HttpRequest
from ninja import Query, Router

from frontdesk.audit.schemas import AuditOut
from frontdesk.audit.selectors import audit_list
from frontdesk.core.api import ListParams, Page, api_permission, error_responses, paginate

router = Router(tags=["audit"])


@router.get(
    "/audit",
    auth=api_permission("audit.view"),
    response={200: Page[AuditOut], **error_responses(401, 403, 422)},
)
def audit(
    request: HttpRequest,
    params: Query[ListParams],
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
):
    """The audit trail, newest first; filter by the object it concerns."""
    qs = audit_list(object_type=object_type, object_id=object_id, action=action)
    return paginate(qs, params=params, orders={"created_at": "created_at"}, default="-created_at")
