from django.db.models import QuerySet

from frontdesk.audit.models import AuditEntry


def audit_list(
    *, object_type: str | None = None, object_id: str | None = None, action: str | None = None
) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor_user")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return qs
