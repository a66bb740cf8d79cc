"""Job entry points of the customers app: take ids, reload, call a service."""

from frontdesk.core.actor import Actor
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.imports import customer_import_run
from frontdesk.customers.models import CustomerImport
from frontdesk.customers.segments import customer_segments_refresh
from frontdesk.organizations.models import Organization


def customer_import_run_job(org_id: str, import_id: str) -> None:
    org = Organization.objects.get(pk=org_id)
    with tenant_scope(org):
        imp = CustomerImport.objects.filter(pk=import_id).first()
        if imp is None:
            return
        actor = Actor.system(org_id=org.pk, label=f"import by {imp.created_by}"[:300])
        customer_import_run(org=org, actor=actor, customer_import=imp)


def customer_segments_refresh_job(org_id: str) -> int:
    """Daily, per organization (``customers: segments``): store every customer's segment,
    which moves those whose last visit left the active window."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        return 0
    with tenant_scope(org):
        return customer_segments_refresh(org=org)
