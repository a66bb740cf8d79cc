"""The core app's records for the cross-tenant crawler: a reference-number sequence and
a stored idempotent response."""

from frontdesk.core.models import IdempotencyRecord, Sequence
from frontdesk.core.refnums import reference_next
from frontdesk.core.testing import world_builder


@world_builder
def core_world(org, members):
    reference_next(org=org, kind="customer")
    record = IdempotencyRecord.objects.create(
        organization=org,
        principal=f"membership:{members['owner'].pk}",
        key=f"{org.slug}-world-key",
        method="POST",
        path="/api/crm/tokens",
        request_hash="0" * 64,
        status_code=201,
        content_type="application/json",
        body=b'{"world": true}',
    )
    return [Sequence.objects.get(kind="C"), record]
