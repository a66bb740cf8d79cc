"""Editing a draft invoice (``PATCH /invoices/{id}``) and declining a quote
(``POST /quotes/{id}/decline``): the happy path, bad input (422 naming the field, nothing
written), another organization's ids (404), roles (403), anonymous (401), the state
machine (409) and repeated calls."""

import datetime as dt

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.events.models import OutboxEvent
from frontdesk.money import services
from frontdesk.money.models import Invoice, InvoiceLine, Quote
from frontdesk.money.pricing import MembershipTerms, register_terms_provider
from frontdesk.money.pricing import unregister_terms_provider as unregister
from frontdesk.money.tests.factories import make_invoice, make_payment, make_service, system
from frontdesk.scheduling.tests.factories import customer_with_vehicle

pytestmark = pytest.mark.django_db

LINE = {"description": "Diagnostics", "quantity": "1", "unit_price": 10000}


@pytest.fixture
def customer(org):
    customer, _ = customer_with_vehicle(org)
    return customer


@pytest.fixture
def draft(org, customer):
    return make_invoice(org, customer=customer, issue=False)


@pytest.fixture
def terms():
    """Registers ``fn(customer, on_date)`` as the membership terms for the test."""
    registered = []

    def register(fn):
        registered.append(register_terms_provider(fn))

    yield register
    for fn in registered:
        unregister(fn)


def _snapshot(org, invoice):
    with tenant_scope(org):
        row = Invoice.objects.get(pk=invoice.pk)
        lines = list(
            InvoiceLine.objects.filter(invoice=row).values_list("description", "unit_price", "net")
        )
        audits = AuditEntry.objects.filter(object_id=str(invoice.pk)).count()
    return (row.status, row.total, row.notes, row.due_on, lines, audits)


# --- editing a draft -------------------------------------------------------------------------
def test_it_replaces_a_drafts_lines_and_prices_them_again_with_the_membership(
    api, org, customer, draft, terms
):
    org.settings = {**(org.settings or {}), "tax_rate_bp": 1000}
    org.save(update_fields=["settings"])
    oil = make_service(org, code="OIL", name="Oil change", price=5000)
    terms(
        lambda *, customer, on_date: MembershipTerms(
            plan_name="Gold", discount_bp=1000, included={oil.pk: 0}
        )
    )
    r = api.patch(
        f"/invoices/{draft.pk}",
        {
            "lines": [
                {"service_id": str(oil.pk)},
                {"description": "Brakes", "quantity": "2", "unit_price": 10000},
            ],
            "notes": "Customer waits",
            "due_on": "2030-01-31",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "draft" and body["membership_plan"] == "Gold"
    assert [(x["description"], x["list_price"], x["net"]) for x in body["lines"]] == [
        ("Oil change", 5000, 0),
        ("Brakes", 20000, 18000),
    ]
    assert (body["subtotal"], body["discount"], body["tax"]) == (25000, 7000, 1800)
    assert body["total"] == 18000 + 1800
    assert (body["notes"], body["due_on"]) == ("Customer waits", "2030-01-31")
    with tenant_scope(org):
        entries = AuditEntry.objects.filter(object_id=str(draft.pk), action="update")
        changes = {k: v for e in entries for k, v in e.changes.items()}
    assert changes["total"] == [draft.total, body["total"]]
    assert changes["notes"] == ["", "Customer waits"]
    assert changes["lines"][0] == ["1.00 × Diagnostics @ 10000"]
    assert changes["lines"][1] == ["1.00 × Oil change @ 5000", "2.00 × Brakes @ 10000"]
    # what the API answers is what was stored
    assert api.get(f"/invoices/{draft.pk}").json() == body


def test_a_new_date_prices_the_same_lines_with_the_membership_of_that_date(
    api, org, customer, draft, terms
):
    member_from = dt.date(2030, 1, 1)
    terms(
        lambda *, customer, on_date: (
            MembershipTerms(plan_name="Gold", discount_bp=2000) if on_date >= member_from else None
        )
    )
    r = api.patch(f"/invoices/{draft.pk}", {"invoice_date": "2030-01-02"})
    assert r.status_code == 200, r.content
    assert r.json()["membership_plan"] == "Gold"
    assert [x["net"] for x in r.json()["lines"]] == [8000]
    r = api.patch(f"/invoices/{draft.pk}", {"invoice_date": "2029-12-31"})
    assert r.json()["membership_plan"] == "" and r.json()["lines"][0]["net"] == 10000


def test_the_edited_draft_issues_with_its_new_total(api, org, draft):
    api.patch(f"/invoices/{draft.pk}", {"lines": [{**LINE, "unit_price": 4200}]})
    issued = api.post(f"/invoices/{draft.pk}/issue").json()
    assert issued["status"] == "issued" and issued["amount_due"] == 4200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{**LINE, "unit_price": 99.5}]}, "lines[0].unit_price"),
        ({"lines": [{**LINE, "unit_price": "100"}]}, "lines[0].unit_price"),
        ({"lines": [{**LINE, "quantity": "0"}]}, "lines[0].quantity"),
        ({"lines": [{**LINE, "colour": "red"}]}, "lines[0].colour"),
        ({"lines": []}, "lines"),
        ({"lines": None}, "lines"),
        ({"notes": None}, "notes"),
        ({"invoice_date": None}, "invoice_date"),
        ({"invoice_date": "yesterday"}, "invoice_date"),
        ({"customer_id": "6f1c2a9e-4d0b-4c55-9a51-2f0e8b7d3c11"}, "customer_id"),
        ({"currency": "EUR"}, "currency"),
    ],
)
def test_a_bad_edit_is_422_naming_the_field_and_changes_nothing(api, org, draft, body, field):
    before = _snapshot(org, draft)
    r = api.patch(f"/invoices/{draft.pk}", body)
    assert r.status_code == 422, r.content
    fields = [e["field"] for e in r.json()["errors"]]
    assert any(f == field or f.endswith(field) for f in fields), fields
    assert _snapshot(org, draft) == before


def test_a_vehicle_that_is_not_the_customers_is_422(api, org, draft):
    _, other_vehicle = customer_with_vehicle(org)
    before = _snapshot(org, draft)
    r = api.patch(f"/invoices/{draft.pk}", {"vehicle_id": str(other_vehicle.pk)})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["vehicle_id"]
    assert _snapshot(org, draft) == before


def test_an_unknown_service_in_a_line_is_422_and_changes_nothing(api, org, other_org, draft):
    foreign = make_service(other_org, code="FOREIGN")
    before = _snapshot(org, draft)
    r = api.patch(f"/invoices/{draft.pk}", {"lines": [{"service_id": str(foreign.pk)}]})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["lines[0].service_id"]
    assert _snapshot(org, draft) == before


def test_only_a_draft_is_edited(api, org, customer):
    issued = make_invoice(org, customer=customer)
    paid = make_invoice(org, customer=customer)
    make_payment(org, invoice=paid, amount=paid.total)
    void = make_invoice(org, customer=customer, issue=False)
    with tenant_scope(org):
        services.invoice_void(org=org, actor=system(org), invoice=void)
    for invoice in (issued, paid, void):
        before = _snapshot(org, invoice)
        r = api.patch(f"/invoices/{invoice.pk}", {"lines": [LINE], "notes": "late change"})
        assert r.status_code == 409, invoice.status
        assert r.json()["current_status"] in ("issued", "paid", "void")
        assert _snapshot(org, invoice) == before


def test_another_organizations_draft_is_404_and_unchanged(api, other_org):
    foreign = make_invoice(other_org, issue=False)
    before = _snapshot(other_org, foreign)
    assert api.patch(f"/invoices/{foreign.pk}", {"notes": "mine now"}).status_code == 404
    assert _snapshot(other_org, foreign) == before


def test_editing_a_draft_needs_billing_manage(api_as, anon_api, org, draft):
    before = _snapshot(org, draft)
    assert api_as("advisor").patch(f"/invoices/{draft.pk}", {"notes": "x"}).status_code == 403
    assert api_as("marketing").patch(f"/invoices/{draft.pk}", {"notes": "x"}).status_code == 403
    assert anon_api.patch(f"/invoices/{draft.pk}", {"notes": "x"}).status_code == 401
    assert _snapshot(org, draft) == before
    assert api_as("cashier").patch(f"/invoices/{draft.pk}", {"notes": "x"}).status_code == 200


def test_repeating_the_same_edit_changes_nothing_the_second_time(api, org, draft):
    body = {"lines": [{**LINE, "unit_price": 4200}], "notes": "again"}
    first = api.patch(f"/invoices/{draft.pk}", body)
    after_first = _snapshot(org, draft)
    second = api.patch(f"/invoices/{draft.pk}", body)
    assert first.status_code == second.status_code == 200
    assert second.json()["total"] == first.json()["total"]
    assert _snapshot(org, draft) == after_first  # no second audit entry either
    assert [x["id"] for x in second.json()["lines"]] == [x["id"] for x in first.json()["lines"]]
    key = {"Idempotency-Key": "edit-draft-1"}
    replay = [api.patch(f"/invoices/{draft.pk}", {"notes": "keyed"}, headers=key) for _ in "ab"]
    assert replay[1].headers.get("Idempotency-Replayed") == "true"
    assert replay[0].json() == replay[1].json()


# --- declining a quote -----------------------------------------------------------------------
@pytest.fixture
def quote(org, customer):
    with tenant_scope(org):
        return services.quote_create(
            org=org, actor=system(org), customer_id=customer.pk, lines=[LINE]
        )


def test_declining_an_open_quote_records_why_and_it_can_no_longer_be_accepted(api, org, quote):
    r = api.post(f"/quotes/{quote.pk}/decline", {"reason": "Too expensive"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "declined" and body["decline_reason"] == "Too expensive"
    assert body["declined_at"] and body["invoice_id"] is None
    accept = api.post(f"/quotes/{quote.pk}/accept")
    assert accept.status_code == 409 and accept.json()["current_status"] == "declined"
    assert api.post(f"/quotes/{quote.pk}/decline", {}).status_code == 409
    with tenant_scope(org):
        entry = AuditEntry.objects.get(object_id=str(quote.pk), action="update")
        assert entry.changes["status"] == ["draft", "declined"]
        assert entry.changes["decline_reason"] == ["", "Too expensive"]
        assert not Invoice.objects.exists()
        # the project emits no event for quote state changes (none for accept either)
        assert not OutboxEvent.objects.filter(type__startswith="quote.").exists()


def test_the_quote_list_filters_by_status(api, org, customer, quote):
    with tenant_scope(org):
        accepted = services.quote_create(
            org=org, actor=system(org), customer_id=customer.pk, lines=[LINE]
        )
    api.post(f"/quotes/{accepted.pk}/accept")
    api.post(f"/quotes/{quote.pk}/decline", {})

    def ids(status):
        return [q["id"] for q in api.get("/quotes", {"status": status}).json()["items"]]

    assert ids("declined") == [str(quote.pk)]
    assert ids("accepted") == [str(accepted.pk)]
    assert ids("draft") == []
    assert api.get("/quotes", {"status": "lost"}).status_code == 422


def test_an_accepted_quote_cannot_be_declined(api, org, quote):
    api.post(f"/quotes/{quote.pk}/accept")
    r = api.post(f"/quotes/{quote.pk}/decline", {"reason": "changed their mind"})
    assert r.status_code == 409 and r.json()["current_status"] == "accepted"
    with tenant_scope(org):
        assert Quote.objects.get(pk=quote.pk).decline_reason == ""


@pytest.mark.parametrize(
    ("body", "field"), [({"reason": "x" * 301}, "reason"), ({"why": "no"}, "why")]
)
def test_a_bad_decline_is_422_naming_the_field_and_changes_nothing(api, org, quote, body, field):
    r = api.post(f"/quotes/{quote.pk}/decline", body)
    assert r.status_code == 422
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()
    with tenant_scope(org):
        assert Quote.objects.get(pk=quote.pk).status == "draft"
        assert not AuditEntry.objects.filter(object_id=str(quote.pk), action="update").exists()


def test_another_organizations_quote_is_404_and_stays_open(api, other_org):
    foreign_customer, _ = customer_with_vehicle(other_org)
    with tenant_scope(other_org):
        foreign = services.quote_create(
            org=other_org, actor=system(other_org), customer_id=foreign_customer.pk, lines=[LINE]
        )
    assert api.post(f"/quotes/{foreign.pk}/decline", {}).status_code == 404
    with tenant_scope(other_org):
        assert Quote.objects.get(pk=foreign.pk).status == "draft"


def test_declining_needs_billing_manage(api_as, anon_api, org, quote):
    assert api_as("advisor").post(f"/quotes/{quote.pk}/decline", {}).status_code == 403
    assert api_as("sales").post(f"/quotes/{quote.pk}/decline", {}).status_code == 403
    assert anon_api.post(f"/quotes/{quote.pk}/decline", {}).status_code == 401
    with tenant_scope(org):
        assert Quote.objects.get(pk=quote.pk).status == "draft"
    assert api_as("cashier").post(f"/quotes/{quote.pk}/decline", {}).status_code == 200


def test_a_repeated_decline_with_the_same_key_replays_the_first_answer(api, org, quote):
    key = {"Idempotency-Key": "decline-q-1"}
    first = api.post(f"/quotes/{quote.pk}/decline", {"reason": "No"}, headers=key)
    again = api.post(f"/quotes/{quote.pk}/decline", {"reason": "No"}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    with tenant_scope(org):
        assert AuditEntry.objects.filter(object_id=str(quote.pk), action="update").count() == 1
