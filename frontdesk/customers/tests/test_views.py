"""The customer pages: who may open them, other organizations' ids, forms that show the
services' errors and write nothing, and the htmx partials."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frontdesk.audit.models import AuditEntry
from frontdesk.core.tenancy import tenant_scope
from frontdesk.customers import history, overview
from frontdesk.customers.models import Customer, CustomerNote, CustomerVehicle, Vehicle
from frontdesk.customers.tests.factories import (
    link_vehicle,
    make_company,
    make_customer,
    make_vehicle,
    make_vin,
)
from frontdesk.organizations.auth import SESSION_MEMBERSHIP_KEY

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_role(members):
    def make(role: str, membership=None) -> Client:
        membership = membership or members[role]
        client = Client()
        client.force_login(membership.user)
        session = client.session
        session[SESSION_MEMBERSHIP_KEY] = str(membership.pk)
        session.save()
        return client

    return make


@pytest.fixture
def owner(as_role):
    return as_role("owner")


@pytest.fixture
def ann(org):
    return make_customer(
        org,
        first_name="Ann",
        last_name="Archer",
        phones=[{"number": "+1 512 555 0142", "consent_to_call": True}],
        emails=[{"address": "ann@example.com"}],
        tags=["vip"],
    )


def form_data(**changes):
    data = {
        "type": "individual",
        "first_name": "Bob",
        "last_name": "Baker",
        "display_name": "",
        "company_id": "",
        "source": "other",
        "lifecycle_stage": "prospect",
        "preferred_channel": "",
        "tags": "",
        "phones-0-number": "",
        "phones-0-kind": "mobile",
        "emails-0-address": "",
        "emails-0-kind": "personal",
        "addresses-0-kind": "home",
        "addresses-0-street": "",
        "addresses-0-city": "",
        "addresses-0-state": "",
        "addresses-0-postal_code": "",
        "addresses-0-country": "",
    }
    data.update(changes)
    return data


def count(org, model=Customer, **filters):
    with tenant_scope(org):
        return model.objects.filter(**filters).count()


# --- who may open what ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["customers:list", "customers:create", "customers:duplicates", "customers:companies"],
)
def test_it_sends_anonymous_visitors_to_login(db, name):
    url = reverse(name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_it_sends_anonymous_visitors_of_a_customer_to_login(org, ann):
    url = reverse("customers:detail", args=[ann.pk])
    assert Client().get(url).status_code == 302
    response = Client().post(reverse("customers:note_add", args=[ann.pk]), {"body": "x"})
    assert response.status_code == 302
    assert count(org, CustomerNote) == 0


@pytest.mark.parametrize(
    ("role", "name"),
    [
        ("marketing", "customers:create"),
        ("cashier", "customers:edit"),
        ("advisor", "customers:merge"),
    ],
)
def test_it_answers_403_to_a_role_without_the_permission(org, ann, as_role, role, name):
    other = make_customer(org, first_name="Other")
    args = {"customers:create": [], "customers:edit": [ann.pk]}.get(name, [ann.pk, other.pk])
    assert as_role(role).get(reverse(name, args=args)).status_code == 403


def test_an_advisor_may_not_archive_and_does_not_see_the_button(org, ann, as_role):
    advisor = as_role("advisor")
    page = advisor.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    assert "Archive" not in page and "Edit" in page
    response = advisor.post(reverse("customers:archive", args=[ann.pk]))
    assert response.status_code == 403
    assert count(org, status="archived") == 0


def test_marketing_may_not_add_notes(org, ann, as_role):
    response = as_role("marketing").post(
        reverse("customers:note_add", args=[ann.pk]), {"body": "x"}
    )
    assert response.status_code == 403
    assert count(org, CustomerNote) == 0


def test_another_organizations_ids_are_404(org, other_org, other_owner, ann, as_role):
    vehicle = make_vehicle(org)
    company = make_company(org)
    client = as_role("owner", other_owner)
    their = make_customer(other_org, first_name="Theirs")
    for url in [
        reverse("customers:detail", args=[ann.pk]),
        reverse("customers:edit", args=[ann.pk]),
        reverse("customers:merge", args=[their.pk, ann.pk]),
        reverse("customers:vehicle", args=[vehicle.pk]),
        reverse("customers:company", args=[company.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("customers:tag_add", args=[ann.pk]), {"tag": "x"})
    assert response.status_code == 404
    response = client.post(
        reverse("customers:duplicate_check"),
        {"customer_id": str(ann.pk), "phones-0-number": "+1 512 555 0142"},
    )
    assert response.status_code == 404


def test_the_inline_check_never_names_another_organizations_customer(
    org, other_org, other_owner, ann, as_role
):
    client = as_role("owner", other_owner)
    response = client.post(
        reverse("customers:duplicate_check"),
        {"phones-0-number": "+1 512 555 0142", "emails-0-address": "ann@example.com"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Ann" not in response.content.decode()


# --- list and search -----------------------------------------------------------------------
def test_the_list_shows_customers_and_the_nav_entry(org, ann, owner):
    response = owner.get(reverse("customers:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ann Archer" in page and "+1 512-555-0142" in page
    assert 'aria-current="page">Customers</a>' in page
    assert 'hx-trigger="input changed delay:200ms' in page


def test_search_as_you_type_answers_the_results_partial(org, ann, owner):
    make_customer(org, first_name="Zed", last_name="Zimmer")
    response = owner.get(reverse("customers:list"), {"q": "arch"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "<table" in page
    assert "Ann Archer" in page and "Zimmer" not in page
    response = owner.get(reverse("customers:list"), {"q": "0142"}, **HTMX)
    assert "Ann Archer" in response.content.decode()


def test_a_misspelled_name_shows_close_names_labelled_as_such(org, ann, owner):
    page = owner.get(reverse("customers:list"), {"q": "Ann Archre"}, **HTMX).content.decode()
    assert "No customer matches exactly. Close names:" in page and "Ann Archer" in page
    page = owner.get(reverse("customers:list"), {"q": "Ann Archer"}, **HTMX).content.decode()
    assert "Close names" not in page and "Ann Archer" in page


def test_the_list_filters_by_tag_segment_status_and_lifecycle(org, ann, owner):
    make_customer(org, first_name="Zed", last_name="Zimmer", lifecycle_stage="customer")
    page = owner.get(reverse("customers:list"), {"tag": "VIP"}).content.decode()
    assert "Ann Archer" in page and "Zimmer" not in page
    page = owner.get(reverse("customers:list"), {"lifecycle_stage": "customer"}).content.decode()
    assert "Ann Archer" not in page and "Zimmer" in page
    page = owner.get(reverse("customers:list"), {"segment": "lead"}).content.decode()
    assert "Ann Archer" in page
    page = owner.get(reverse("customers:list"), {"status": "archived"}).content.decode()
    assert "Ann Archer" not in page and "No customer matches." in page


def test_bad_filters_show_an_error_not_a_crash(org, ann, owner):
    response = owner.get(reverse("customers:list"), {"segment": "nope"})
    assert response.status_code == 200
    assert "Check the filters." in response.content.decode()
    response = owner.get(reverse("customers:list"), {"cursor": "garbage"})
    assert "Not a cursor" in response.content.decode()


def test_more_loads_the_next_rows_with_a_cursor(org, owner):
    for i in range(27):
        make_customer(org, first_name="Pat", last_name=f"Page{i:02d}")
    page = owner.get(reverse("customers:list")).content.decode()
    assert "Page24" in page and "Page25" not in page and ">More</a>" in page
    start = page.index("fragment=rows")
    url = page[page.rindex('hx-get="', 0, start) + 8 : page.index('"', start)]
    response = owner.get(url.replace("&amp;", "&"), **HTMX)
    rows = response.content.decode()
    assert "<table" not in rows and "Page25" in rows and "Page26" in rows and "Page00" not in rows
    assert ">More</a>" not in rows


def test_the_list_costs_the_same_queries_for_5_or_25_customers(org, owner):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert owner.get(reverse("customers:list")).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        make_customer(org, last_name=f"Few{i}", tags=["a"], company_id=make_company(org).pk)
    few = queries()
    for i in range(20):
        make_customer(org, last_name=f"Many{i}", tags=["a", "b"], company_id=make_company(org).pk)
    assert queries() == few
    assert few <= 12


# --- create and edit -----------------------------------------------------------------------
def test_it_creates_a_customer_with_phones_emails_and_an_address(org, owner):
    data = form_data(
        **{
            "phones-0-number": "(512) 555-0199",
            "phones-0-consent_to_call": "on",
            "phones-1-number": "512 555 0198",
            "phones-1-kind": "work",
            "emails-0-address": "bob@example.com",
            "addresses-0-street": "1 Main St",
            "addresses-0-city": "Austin",
            "tags": "Fleet, vip",
            "opt_in_email": "on",
        }
    )
    response = owner.post(reverse("customers:create"), data)
    assert response.status_code == 302
    with tenant_scope(org):
        bob = Customer.objects.get(last_name="Baker")
        assert [p.number for p in bob.phones.order_by("position")] == [
            "+15125550199",
            "+15125550198",
        ]
        assert bob.phones.get(primary=True).consent_to_call
        assert bob.emails.get().primary
        assert sorted(bob.tags.values_list("tag", flat=True)) == ["fleet", "vip"]
        assert bob.opt_in_email and bob.addresses.get().city == "Austin"
    assert response["Location"] == reverse("customers:detail", args=[bob.pk])


def test_a_bad_phone_is_shown_on_its_row_and_nothing_is_written(org, owner):
    data = form_data(**{"phones-0-number": "12", "emails-0-address": "bob@example.com"})
    audits = count(org, AuditEntry)
    response = owner.post(reverse("customers:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "is not a valid phone number" in page or "is not a phone number" in page
    assert "Nothing was saved" in page
    assert 'value="bob@example.com"' in page
    assert count(org) == 0
    assert count(org, AuditEntry) == audits


def test_a_bad_email_and_an_empty_customer_are_refused(org, owner):
    response = owner.post(reverse("customers:create"), form_data(**{"emails-0-address": "x@"}))
    assert response.status_code == 200 and "email" in response.content.decode().lower()
    response = owner.post(reverse("customers:create"), form_data(first_name="", last_name=""))
    assert response.status_code == 200
    assert "A customer needs a name" in response.content.decode()
    response = owner.post(reverse("customers:create"), form_data(first_name="x" * 101))
    assert response.status_code == 200
    assert count(org) == 0


def test_a_duplicate_phone_shows_the_matches_with_open_merge_and_create_anyway(org, ann, owner):
    data = form_data(**{"phones-0-number": "512.555.0142"})
    response = owner.post(reverse("customers:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ann Archer" in page and ann.number in page
    assert reverse("customers:detail", args=[ann.pk]) in page
    assert f'name="merge_into" value="{ann.pk}"' in page
    assert 'name="allow_duplicate"' in page
    assert count(org) == 1
    response = owner.post(reverse("customers:create"), {**data, "allow_duplicate": "1"})
    assert response.status_code == 302
    assert count(org) == 2


def test_merge_from_the_create_form_saves_then_opens_the_merge_preview(org, ann, owner):
    data = form_data(**{"phones-0-number": "512.555.0142", "merge_into": str(ann.pk)})
    response = owner.post(reverse("customers:create"), data)
    with tenant_scope(org):
        new = Customer.objects.get(last_name="Baker")
    assert response["Location"] == reverse("customers:merge", args=[ann.pk, new.pk])


def test_the_inline_duplicate_check_names_the_customer_before_saving(org, ann, owner):
    response = owner.post(
        reverse("customers:duplicate_check"),
        {"first_name": "Ann", "last_name": "Archer", "phones-0-number": "(512) 555-0142"},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ann Archer" in page and "Same phone +1 512-555-0142" in page
    assert f"Open {ann.number}" in page and f"Merge into {ann.number}" in page
    response = owner.post(
        reverse("customers:duplicate_check"), {"emails-0-address": "ANN@example.com"}, **HTMX
    )
    assert "Same email ann@example.com" in response.content.decode()
    response = owner.post(
        reverse("customers:duplicate_check"), {"phones-0-number": "512 555 0100"}, **HTMX
    )
    assert response.content.decode().strip() == ""
    assert count(org) == 1


def test_the_inline_check_on_edit_leaves_out_the_customer_itself(org, ann, owner):
    response = owner.post(
        reverse("customers:duplicate_check"),
        {"customer_id": str(ann.pk), "phones-0-number": "+1 512 555 0142"},
        **HTMX,
    )
    assert response.content.decode().strip() == ""


def test_a_merge_button_is_offered_only_to_roles_that_merge(org, ann, as_role):
    response = as_role("cashier").post(
        reverse("customers:duplicate_check"), {"phones-0-number": "512 555 0142"}, **HTMX
    )
    page = response.content.decode()
    assert "Open" in page and "Merge into" not in page


def test_the_form_adds_rows_with_htmx(org, owner):
    response = owner.get(reverse("customers:form_row", args=["phones"]), {"index": "3"}, **HTMX)
    page = response.content.decode()
    assert 'name="phones-3-number"' in page and "?index=4" in page
    assert owner.get(reverse("customers:form_row", args=["nope"])).status_code == 404


def test_it_edits_a_customer_keeping_the_phone_consent(org, ann, owner):
    url = reverse("customers:edit", args=[ann.pk])
    page = owner.get(url).content.decode()
    assert 'value="+15125550142"' in page and 'value="vip"' in page
    data = form_data(
        first_name="Anne",
        last_name="Archer",
        display_name="Ann Archer",
        tags="vip",
        **{
            "phones-0-number": "+15125550142",
            "phones-0-consent_to_call": "on",
            "emails-0-address": "ann@example.com",
        },
    )
    response = owner.post(url, data)
    assert response.status_code == 302
    with tenant_scope(org):
        ann.refresh_from_db()
        assert ann.first_name == "Anne" and ann.display_name == "Anne Archer"
        assert ann.phones.get().consent_to_call


def test_editing_to_another_customers_email_warns_and_writes_nothing(org, ann, owner):
    bob = make_customer(org, first_name="Bob", last_name="Baker")
    data = form_data(**{"emails-0-address": "ann@example.com"})
    response = owner.post(reverse("customers:edit", args=[bob.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Merge into {ann.number}" in page
    assert reverse("customers:merge", args=[ann.pk, bob.pk]) in page
    assert "Save anyway" in page
    assert count(org, last_name="Baker", emails__isnull=False) == 0


def test_an_archived_customer_cannot_be_edited(org, ann, owner):
    owner.post(reverse("customers:archive", args=[ann.pk]))
    response = owner.get(reverse("customers:edit", args=[ann.pk]))
    assert response.status_code == 409
    assert "restore it first" in response.content.decode()


# --- the 360 -------------------------------------------------------------------------------
def test_the_360_shows_identity_contact_consent_vehicles_notes_tags(org, ann, owner):
    company = make_company(org, name="Acme Fleet")
    with tenant_scope(org):
        Customer.objects.filter(pk=ann.pk).update(company=company)
    link_vehicle(org, ann, make_vehicle(org, plate="ABC 123"))
    owner.post(reverse("customers:note_add", args=[ann.pk]), {"body": "Prefers mornings."})
    page = owner.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    for text in [
        "Ann Archer",
        ann.number,
        "Acme Fleet",
        "+1 512-555-0142",
        "consents to calls",
        "ann@example.com",
        "Honda Accord",
        "ABC 123",
        "Prefers mornings.",
        "Remove tag vip",
        "Archive",
    ]:
        assert text in page, text


def test_the_360_renders_every_registered_section(org, ann, owner):
    overview.register_section(
        "appointments",
        lambda c: [{"id": 1, "starts_at": "2026-01-05 09:00", "service": "Oil change"}],
    )
    overview.register_section("messages", lambda c: {"unread": 2, "last": "Hi"})
    overview.register_section("billing", lambda c: [], permission="billing.view")
    try:
        page = owner.get(reverse("customers:detail", args=[ann.pk])).content.decode()
        assert 'id="section-appointments"' in page and "Oil change" in page
        assert "Starts at" in page and 'id="section-messages"' in page and "Unread" in page
        assert 'id="section-billing"' in page
        page = (
            Client()
            .get(reverse("customers:detail", args=[ann.pk]))
            .content.decode()  # anonymous: redirected, nothing rendered
        )
        assert "Oil change" not in page
    finally:
        for name in ("appointments", "messages", "billing"):
            overview.unregister_section(name)


def test_a_section_hidden_from_a_role_is_not_rendered(org, ann, as_role):
    overview.register_section("billing", lambda c: ["secret"], permission="billing.view")
    try:
        page = as_role("marketing").get(reverse("customers:detail", args=[ann.pk]))
        assert 'id="section-billing"' not in page.content.decode()
    finally:
        overview.unregister_section("billing")


def test_a_note_is_added_inline_and_an_empty_one_is_refused(org, ann, owner):
    url = reverse("customers:note_add", args=[ann.pk])
    response = owner.post(url, {"body": "Called about brakes."}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Called about brakes." in page
    response = owner.post(url, {"body": "  "}, **HTMX)
    assert response.status_code == 200 and "required" in response.content.decode()
    assert count(org, CustomerNote) == 1


def test_tags_are_added_and_removed_inline(org, ann, owner):
    response = owner.post(reverse("customers:tag_add", args=[ann.pk]), {"tag": "Fleet"}, **HTMX)
    page = response.content.decode()
    assert "<html" not in page and "Remove tag fleet" in page and "Remove tag vip" in page
    response = owner.post(reverse("customers:tag_remove", args=[ann.pk]), {"tag": "vip"}, **HTMX)
    page = response.content.decode()
    assert "Remove tag vip" not in page and "Remove tag fleet" in page
    response = owner.post(reverse("customers:tag_add", args=[ann.pk]), {"tag": "x" * 41}, **HTMX)
    assert response.status_code == 200
    with tenant_scope(org):
        assert list(ann.tags.values_list("tag", flat=True)) == ["fleet"]


def test_archive_and_restore(org, ann, as_role):
    manager = as_role("manager")
    response = manager.post(reverse("customers:archive", args=[ann.pk]))
    assert response.status_code == 302
    page = manager.get(reverse("customers:detail", args=[ann.pk])).content.decode()
    assert "read-only until restored" in page and "Restore" in page and ">Edit<" not in page
    manager.post(reverse("customers:restore", args=[ann.pk]))
    assert count(org, status="active") == 1


# --- vehicles ------------------------------------------------------------------------------
def test_a_bad_vin_is_shown_and_no_vehicle_is_written(org, ann, owner):
    url = reverse("customers:vehicle_add", args=[ann.pk])
    vin = make_vin()
    bad = vin[:7] + "O" + vin[8:]
    response = owner.post(url, {"vin": bad, "relationship": "owner"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "position 8 is &#x27;O&#x27;" in page or "position 8" in page
    assert count(org, Vehicle) == 0
    wrong_check = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
    response = owner.post(url, {"vin": wrong_check, "relationship": "owner"}, **HTMX)
    assert response.status_code == 200 and "check digit" in response.content.decode()
    response = owner.post(url, {"relationship": "owner"}, **HTMX)
    assert response.status_code == 200 and "at least a VIN" in response.content.decode()
    assert count(org, Vehicle) == 0


def test_a_vehicle_is_added_and_a_known_vin_offers_linking_it(org, ann, owner):
    url = reverse("customers:vehicle_add", args=[ann.pk])
    vin = make_vin()
    data = {"vin": vin, "make": "Honda", "model": "Civic", "year": "2020", "relationship": "owner"}
    response = owner.post(url, data, **HTMX)
    assert response.status_code == 200 and "Honda Civic" in response.content.decode()
    bob = make_customer(org, first_name="Bob")
    response = owner.post(
        reverse("customers:vehicle_add", args=[bob.pk]),
        {**data, "relationship": "driver"},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Link that vehicle" in page
    with tenant_scope(org):
        vehicle = Vehicle.objects.get()
    response = owner.post(
        reverse("customers:vehicle_add", args=[bob.pk]),
        {"vehicle_id": str(vehicle.pk), "relationship": "driver"},
        **HTMX,
    )
    assert response.status_code == 200
    assert count(org, CustomerVehicle) == 2


def test_the_vehicle_page_shows_owners_and_history_sections(org, ann, owner):
    vehicle = make_vehicle(org, plate="XYZ 9")
    link_vehicle(org, ann, vehicle, relationship="owner")
    history.register_section("jobs", lambda v: [{"number": "J-0001", "work": "Brakes"}])
    try:
        page = owner.get(reverse("customers:vehicle", args=[vehicle.pk])).content.decode()
    finally:
        history.unregister_section("jobs")
    assert "XYZ 9" in page and "Ann Archer" in page and "J-0001" in page and "Brakes" in page


# --- duplicates and merge ------------------------------------------------------------------
def test_the_duplicates_page_lists_pairs_and_the_merge_page_previews(org, ann, owner):
    twin = make_customer(
        org,
        first_name="Anne",
        last_name="Archer",
        phones=[{"number": "+1 512 555 0142"}],
        tags=["late"],
        allow_duplicate=True,
    )
    page = owner.get(reverse("customers:duplicates")).content.decode()
    merge_url = reverse("customers:merge", args=[ann.pk, twin.pk])
    assert "Same phone +1 512-555-0142" in page and merge_url in page
    page = owner.get(merge_url).content.decode()
    assert f"Merge {twin.number} into {ann.number}" in page
    assert "Tags" in page and "late" in page
    assert count(org, status="archived") == 0
    response = owner.post(merge_url)
    assert response.status_code == 302
    with tenant_scope(org):
        twin.refresh_from_db()
        assert twin.merged_into_id == ann.pk
        assert sorted(ann.tags.values_list("tag", flat=True)) == ["late", "vip"]
    page = owner.get(reverse("customers:duplicates")).content.decode()
    assert "No possible duplicates found." in page


def test_merging_into_itself_shows_the_error_page(org, ann, owner):
    response = owner.get(reverse("customers:merge", args=[ann.pk, ann.pk]))
    assert response.status_code == 422


# --- companies -----------------------------------------------------------------------------
def test_companies_list_and_detail(org, owner):
    acme = make_company(org, name="Acme Fleet")
    make_company(org, name="Zulu Freight")
    make_customer(org, first_name="Carl", last_name="Contact", company_id=acme.pk)
    page = owner.get(reverse("customers:companies"), {"q": "acm"}).content.decode()
    assert "Acme Fleet" in page and "Zulu" not in page
    page = owner.get(reverse("customers:company", args=[acme.pk])).content.decode()
    assert "Acme Fleet" in page and "Carl Contact" in page


def test_not_a_duplicate_takes_the_pair_off_the_review_page(org, ann, owner):
    twin = make_customer(
        org, first_name="Ann", last_name="Archer Jr", phones=[{"number": "+1 512 555 0142"}],
        allow_duplicate=True,
    )  # fmt: skip
    url = reverse("customers:not_duplicate", args=[ann.pk, twin.pk])
    assert url in owner.get(reverse("customers:duplicates")).content.decode()
    response = owner.post(url, {"kind": "phone"})
    assert response.status_code == 302 and response["Location"].endswith("?kind=phone")
    page = owner.get(reverse("customers:duplicates")).content.decode()
    assert "No possible duplicates found." in page
    assert "marked as different people" in page
