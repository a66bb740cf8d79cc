"""One of each telephony record in an organization, for the cross-tenant crawler."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.telephony.services import telephony_settings
from frontdesk.telephony.tests.factories import make_call


@world_builder
def telephony_world(org, members):
    missed = make_call(org, status="voicemail", transcript="World voicemail")
    answered = make_call(org, status="completed", duration_s=60)
    with tenant_scope(org):
        settings_row = telephony_settings(org)
    return [missed, answered, settings_row]
