"""The staff side of inquiries: the inbox, one inquiry, assign, reply (a message under
rules 4/5) and resolve — with other organizations' ids, missing permissions, conflicts
and repeated calls."""

import pytest

from frontdesk.core.tenancy import tenant_scope
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.tests.factories import make_inquiry
from frontdesk.messaging.models import Message, Notification
from frontdesk.pipeline.models import Interaction, Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(org):
    return make_inquiry(org, name="Maria Garcia", email="maria@example.com", phone="5125550142")


def reload(org, inquiry):
    with tenant_scope(org):
        return Inquiry.objects.select_related("lead").get(pk=inquiry.pk)


def test_the_inbox_lists_and_filters_inquiries(api, org, inquiry):
    other = make_inquiry(org, name="Tom Becker")
    api.post(f"/inquiries/{other.pk}/resolve", {"resolution": "lost"})
    items = api.get("/inquiries").json()["items"]
    assert [i["number"] for i in items] == [other.number, inquiry.number]
    assert [i["id"] for i in api.get("/inquiries", {"status": "open"}).json()["items"]] == [
        str(inquiry.pk)
    ]
    assert api.get("/inquiries", {"q": "becker"}).json()["items"][0]["id"] == str(other.pk)
    assert api.get("/inquiries", {"status": "bogus"}).status_code == 422
    one = api.get(f"/inquiries/{inquiry.pk}").json()
    assert one["lead_number"] == reload(org, inquiry).lead.number and one["status"] == "new"


def test_another_organizations_inquiry_is_404_everywhere(other_api, inquiry, members):
    assert other_api.get(f"/inquiries/{inquiry.pk}").status_code == 404
    assignee = {"assignee_id": str(members["sales"].pk)}
    assert other_api.post(f"/inquiries/{inquiry.pk}/assign", assignee).status_code == 404
    reply = {"channel": "email", "body": "Hi"}
    assert other_api.post(f"/inquiries/{inquiry.pk}/reply", reply).status_code == 404
    resolve = {"resolution": "lost"}
    assert other_api.post(f"/inquiries/{inquiry.pk}/resolve", resolve).status_code == 404
    assert other_api.get("/inquiries").json()["items"] == []


def test_assigning_to_another_organizations_member_is_404_and_changes_nothing(
    api, org, inquiry, other_owner
):
    response = api.post(f"/inquiries/{inquiry.pk}/assign", {"assignee_id": str(other_owner.pk)})
    assert response.status_code == 404
    assert reload(org, inquiry).assignee_id is None


def test_roles_without_the_permission_are_403(api_as, inquiry, members):
    assert api_as("cashier").get("/inquiries").status_code == 403
    assert api_as("marketing").get(f"/inquiries/{inquiry.pk}").status_code == 403
    body = {"resolution": "lost"}
    assert api_as("cashier").post(f"/inquiries/{inquiry.pk}/resolve", body).status_code == 403


def test_assigning_gives_the_inquiry_and_its_lead_to_the_member_and_tells_them(
    api, org, inquiry, members
):
    sales = members["sales"]
    response = api.post(f"/inquiries/{inquiry.pk}/assign", {"assignee_id": str(sales.pk)})
    assert response.status_code == 200
    assert response.json()["status"] == "assigned"
    assert response.json()["assignee"]["id"] == str(sales.pk)
    again = api.post(f"/inquiries/{inquiry.pk}/assign", {"assignee_id": str(sales.pk)})
    assert again.status_code == 200
    fresh = reload(org, inquiry)
    assert fresh.lead.owner_id == sales.pk
    with tenant_scope(org):
        assert Notification.objects.filter(recipient=sales, title__contains="is yours").count() == 1


def test_a_staff_reply_is_a_message_that_goes_out_and_lands_on_the_timeline(
    api, org, inquiry, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/inquiries/{inquiry.pk}/reply", {"channel": "email", "body": "We can do Tuesday."}
        )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["inquiry"]["status"] == "replied"
    with tenant_scope(org):
        message = Message.objects.get(pk=data["message_id"])
        assert (message.origin, message.to, message.channel) == (
            "staff", "maria@example.com", "email",
        )  # fmt: skip
        assert message.status != "pending_approval"  # the owner reviewed their own message
        sent = Interaction.objects.filter(customer=inquiry.customer_id, type="email_outbound")
        assert [i.body for i in sent] == ["We can do Tuesday."]


def test_a_sent_reply_works_the_inquirys_lead_so_it_is_not_stale(
    api, org, inquiry, members, django_capture_on_commit_callbacks
):
    """The reply is a touch on the inquiry's lead: its last touch moves to the sending,
    the new lead becomes working, the interaction sits on the lead's timeline under the
    staff member who wrote it, and the stale-lead scan no longer lists it."""
    from datetime import timedelta

    from django.utils import timezone

    from frontdesk.pipeline.selectors import stale_leads

    with tenant_scope(org):
        lead = Lead.objects.get(pk=inquiry.lead_id)
        long_ago = timezone.now() - timedelta(days=30)
        Lead.objects.filter(pk=lead.pk).update(last_touch_at=long_ago, open_touch_at=long_ago)
        assert lead.status == "new"
        assert lead.pk in {row.pk for row in stale_leads(org=org)}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/inquiries/{inquiry.pk}/reply", {"channel": "email", "body": "We can do Tuesday."}
        )
    assert response.status_code == 200, response.content
    with tenant_scope(org):
        lead.refresh_from_db()
        assert lead.status == "working"
        assert lead.last_touch_at > long_ago
        assert lead.pk not in {row.pk for row in stale_leads(org=org)}
        sent = Interaction.objects.get(lead=lead, type="email_outbound")
        assert sent.staff_id == members["owner"].pk
        assert sent.customer_id == inquiry.customer_id


def test_an_assistants_reply_waits_for_approval(api_as, org, inquiry):
    assistant = api_as("sales", assistant=True)
    response = assistant.post(f"/inquiries/{inquiry.pk}/reply", {"channel": "sms", "body": "Hi!"})
    assert response.status_code == 200, response.content
    assert response.json()["message_status"] == "pending_approval"
    with tenant_scope(org):
        assert Message.objects.get().origin == "assistant"


def test_the_same_idempotency_key_replies_once(api, org, inquiry):
    headers = {"Idempotency-Key": "inquiry-reply-1"}
    body = {"channel": "email", "body": "Once only."}
    first = api.post(f"/inquiries/{inquiry.pk}/reply", body, headers=headers)
    again = api.post(f"/inquiries/{inquiry.pk}/reply", body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again["Idempotency-Replayed"] == "true"
    with tenant_scope(org):
        assert Message.objects.count() == 1


def test_bad_replies_are_422_and_write_nothing(api, org, inquiry):
    for body in ({"channel": "fax", "body": "x"}, {"channel": "email", "body": ""}, {}):
        assert api.post(f"/inquiries/{inquiry.pk}/reply", body).status_code == 422
    with tenant_scope(org):
        assert Message.objects.count() == 0
    assert reload(org, inquiry).status == "new"


def test_resolving_is_repeatable_but_a_different_outcome_or_a_reply_afterwards_is_409(
    api, org, inquiry
):
    url = f"/inquiries/{inquiry.pk}/resolve"
    first = api.post(url, {"resolution": "converted", "note": "Booked."})
    assert first.status_code == 200 and first.json()["status"] == "converted"
    assert api.post(url, {"resolution": "converted"}).status_code == 200
    assert api.post(url, {"resolution": "lost"}).status_code == 409
    reply = {"channel": "email", "body": "Hi"}
    assert api.post(f"/inquiries/{inquiry.pk}/reply", reply).status_code == 409
    assert api.post(url, {"resolution": "maybe"}).status_code == 422
    fresh = reload(org, inquiry)
    assert (fresh.status, fresh.resolution_note) == ("converted", "Booked.")
    with tenant_scope(org):
        assert Lead.objects.count() == 1
