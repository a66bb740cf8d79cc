"""The organizations app's records for the cross-tenant crawler: the staff (given),
an API token of the owner and the audit entries their creation wrote, plus one more."""

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.testing import world_builder
from frontdesk.organizations.services import token_create


@world_builder
def organizations_world(org, members):
    owner = members["owner"]
    actor = Actor.system(org_id=org.pk, label="world builder")
    token, _ = token_create(
        org=org, actor=actor, membership=owner, name=f"{org.slug} integration token"
    )
    assistant, _ = token_create(
        org=org, actor=actor, membership=owner, name=f"{org.slug} assistant", is_assistant=True
    )
    entry = audit_record(
        org=org,
        actor=actor,
        action=AuditAction.UPDATE,
        obj=owner,
        changes={"title": ("", f"{org.name} owner")},
    )
    return [*members.values(), token, assistant, entry]
