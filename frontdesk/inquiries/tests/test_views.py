"""The inbox and missed-call pages: permissions, other organizations' ids, the actions."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.tests.factories import make_inquiry
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY
from frontdesk.telephony.models import Call
from frontdesk.telephony.tests.factories import make_call

pytestmark = pytest.mark.django_db


def login(client, membership):
    client.force_login(membership.user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
    session.save()
    return client


def test_roles_without_the_permission_get_403(client, members):
    login(client, members["cashier"])
    assert client.get("/inquiries/").status_code == 403
    login(client, members["marketing"])
    assert client.get("/calls/missed/").status_code == 403


def test_another_organizations_inquiry_and_call_are_404(client, members, other_org):
    inquiry = make_inquiry(other_org)
    call = make_call(other_org)
    login(client, members["owner"])
    assert client.get(f"/inquiries/{inquiry.pk}/").status_code == 404
    assert (
        client.post(f"/inquiries/{inquiry.pk}/resolve/", {"resolution": "lost"}).status_code == 404
    )
    assert client.post(f"/calls/missed/{call.pk}/mark-handled/").status_code == 404
    with tenant_scope(other_org):
        assert Inquiry.objects.get().status == "new"
        assert Call.objects.get().handled_at is None


def test_the_page_actions_assign_resolve_and_mark_handled(client, members, org):
    inquiry = make_inquiry(org)
    call = make_call(org)
    login(client, members["manager"])
    assign = client.post(
        f"/inquiries/{inquiry.pk}/assign/", {"assignee_id": str(members["sales"].pk)}
    )
    assert assign.status_code == 302
    resolve = client.post(f"/inquiries/{inquiry.pk}/resolve/", {"resolution": "lost"})
    assert resolve.status_code == 302
    bad = client.post(f"/inquiries/{inquiry.pk}/resolve/", {"resolution": "converted"}, follow=True)
    assert "is lost" in bad.content.decode()
    assert client.post(f"/calls/missed/{call.pk}/mark-handled/").status_code == 302
    with tenant_scope(org):
        inquiry = Inquiry.objects.get()
        assert (inquiry.status, inquiry.assignee_id) == ("lost", members["sales"].pk)
        assert Call.objects.get().handled_how == "marked"
