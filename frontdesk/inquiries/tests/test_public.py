"""The public inquiry form: contact found or created without revealing anything, lead,
interaction, staff notification and event; honeypot; rate limits; markup kept as text."""

import pytest
from django.core.cache import caches
from django.test import override_settings

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers.models import Customer
from frontdesk.customers.tests.factories import make_customer
from frontdesk.events.models import OutboxEvent
from frontdesk.inquiries.models import Inquiry
from frontdesk.inquiries.public_api import THANKS
from frontdesk.inquiries.tests.factories import inquiry_data
from frontdesk.messaging.models import Notification
from frontdesk.pipeline.models import Interaction, Lead

pytestmark = pytest.mark.django_db
URL = "/api/public/alpha/inquiries"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    caches["throttle"].clear()


def count(org, model, **filters):
    with tenant_scope(org):
        return model.objects.filter(**filters).count()


def test_an_inquiry_creates_the_contact_a_web_form_lead_the_interaction_and_notifies_staff(
    anon_api, org, members
):
    body = inquiry_data(
        name="Maria Garcia", email="maria@example.com", phone="(512) 555-0142",
        business="Garcia Landscaping", message="Two vans need brakes.",
    )  # fmt: skip
    response = anon_api.post(URL, body)
    assert response.status_code == 202
    assert response.json() == {"received": True, "message": THANKS}
    with tenant_scope(org):
        inquiry = Inquiry.objects.select_related("customer", "lead").get()
        assert inquiry.customer.first_name == "Maria"
        assert inquiry.customer.primary_phone == "+15125550142"
        assert inquiry.lead.source == "web_form" and inquiry.lead.customer == inquiry.customer
        assert "Garcia Landscaping" in inquiry.lead.description
        interaction = Interaction.objects.get(pk=inquiry.interaction_id)
        assert (interaction.type, interaction.lead_id) == ("web", inquiry.lead_id)
        event = OutboxEvent.objects.get(type="inquiry.received")
        assert event.payload["id"] == str(inquiry.pk)
        notified = set(
            Notification.objects.filter(kind="inquiry").values_list("recipient__role", flat=True)
        )
        assert AuditEntry.objects.filter(object_id=str(inquiry.pk)).exists()
    # everyone who works leads, nobody else
    assert notified == {"owner", "manager", "advisor", "sales"}
    assert inquiry.number == "IQ-0001"


def test_a_known_email_links_the_existing_customer_and_answers_exactly_the_same(anon_api, org):
    known = make_customer(org, first_name="Known", emails=[{"address": "known@example.com"}])
    first = anon_api.post(URL, inquiry_data(email="Known@Example.com"))
    fresh = anon_api.post(URL, inquiry_data(email="stranger@example.com"))
    assert first.status_code == fresh.status_code == 202
    assert first.json() == fresh.json()
    with tenant_scope(org):
        assert Inquiry.objects.filter(customer=known).count() == 1
        assert Customer.objects.filter(primary_email="known@example.com").count() == 1


def test_the_honeypot_stores_nothing_and_answers_the_same(anon_api, org):
    response = anon_api.post(URL, inquiry_data(website="http://spam.example"))
    assert response.status_code == 202 and response.json()["message"] == THANKS
    assert count(org, Inquiry) == count(org, Lead) == count(org, Customer) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent": False}, "consent"),
        ({"name": ""}, "name"),
        ({"email": "", "phone": ""}, "email"),
        ({"message": ""}, "message"),
        ({"email": "not-an-email"}, "contact.email"),
        ({"phone": "12"}, "contact.phone"),
        ({"colour": "blue"}, "colour"),
        ({"message": "x" * 5001}, "message"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(anon_api, org, change, field):
    response = anon_api.post(URL, inquiry_data(**change))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert count(org, Inquiry) == count(org, Lead) == count(org, Customer) == 0
    assert count(org, OutboxEvent) == 0


def test_an_unknown_organization_is_404(anon_api, org):
    assert anon_api.post("/api/public/nope/inquiries", inquiry_data()).status_code == 404


@override_settings(INQUIRY_RATE_LIMIT="3/m")
def test_an_inquiry_flood_from_one_address_is_429_and_stored_three_times(anon_api, org):
    codes = [anon_api.post(URL, inquiry_data()).status_code for _ in range(5)]
    assert codes == [202, 202, 202, 429, 429]
    assert count(org, Inquiry) == 3
    other_address = anon_api.post(URL, inquiry_data(), REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 202


@override_settings(INQUIRY_GLOBAL_RATE_LIMIT="2/m")
def test_the_global_limit_stops_a_flood_from_many_addresses(anon_api, org):
    codes = [
        anon_api.post(URL, inquiry_data(), REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(1, 5)
    ]
    assert codes == [202, 202, 429, 429]


def test_markup_in_every_field_is_stored_as_text_and_shown_escaped(anon_api, client, org, members):
    body = inquiry_data(name=f"Eve {SCRIPT}", business=SCRIPT, message=f"Hello {SCRIPT}")
    assert anon_api.post(URL, body).status_code == 202
    # markup in the email or phone is not an address: 422, nothing stored
    assert anon_api.post(URL, inquiry_data(email=SCRIPT)).status_code == 422
    assert anon_api.post(URL, inquiry_data(phone=SCRIPT, email="")).status_code == 422
    with tenant_scope(org):
        inquiry = Inquiry.objects.get()
    assert inquiry.business == SCRIPT and inquiry.message == f"Hello {SCRIPT}"
    client.force_login(members["owner"].user)
    pages = [
        client.get("/inquiries/").content.decode(),
        client.get(f"/inquiries/{inquiry.pk}/").content.decode(),
        client.get("/").content.decode(),  # dashboard: new inquiries and the bell
        client.get(f"/customers/{inquiry.customer_id}/").content.decode(),
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[1]
