"""One of each messaging record in an organization, for the cross-tenant crawler."""

from frontdesk.core.tenancy import tenant_scope
from frontdesk.core.testing import world_builder
from frontdesk.messaging import services
from frontdesk.messaging.models import EarlyStatus
from frontdesk.messaging.tests.factories import (
    make_contact,
    make_message,
    make_notification,
    make_template,
    system,
)


@world_builder
def messaging_world(org, members):
    customer = make_contact(
        org,
        first_name="Messaging",
        last_name="World",
        phones=[{"number": "+1 512 555 0177", "kind": "mobile"}],
        emails=[{"address": f"messaging-world@{org.slug}.example"}],
    )
    template = make_template(org, name=f"{org.name} world template", channel="sms")
    message = make_message(
        org, customer=customer, body=f"World message of {org.name}", template=None
    )
    notification = make_notification(
        org, members["owner"], title=f"World notification of {org.name}"
    )
    with tenant_scope(org):
        suppression, _ = services.suppress(
            org=org,
            actor=system(org),
            channel="email",
            address=f"suppressed-world@{org.slug}.example",
            reason="bounced",
        )
        inbound, _ = services.sms_inbound_receive(
            org=org,
            provider_id=f"SMworld{org.slug}",
            from_number="+15125550177",
            to_number="+15125550100",
            body=f"World reply to {org.name}",
        )
        services.sms_status_apply(
            org=org, provider_id=f"SMearly{org.slug}", provider_status="delivered"
        )
        early = EarlyStatus.objects.get(provider_id=f"SMearly{org.slug}")
    return [customer, template, message, notification, suppression, inbound, early]
