"""Writing customers: create, update, archive, restore, notes and tags.

Each service is one transaction that validates, writes, refreshes the search index,
records one audit entry with the fields before and after, and emits its event.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, InvalidState, ValidationFailed
from frontdesk.core.locks import lock_keys
from frontdesk.core.lookups import get_referenced
from frontdesk.core.refnums import reference_next
from frontdesk.customers import events
from frontdesk.customers.duplicates import identity_matches, likely_matches
from frontdesk.customers.inputs import Errors, clean_customer, clean_note, clean_tags
from frontdesk.customers.models import (
    Company,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerNote,
    CustomerPhone,
    CustomerTag,
)
from frontdesk.customers.search import DERIVED_FIELDS, derived_display_name, index_customers
from frontdesk.events.services import event_emit
from frontdesk.organizations.models import Organization

CHILDREN = ("phones", "emails", "addresses", "tags")


# --- helpers shared by the customer services ----------------------------------------------
def ensure_editable(customer: Customer) -> None:
    """Tombstones and archived customers are read-only: 409 saying what to do instead."""
    if customer.merged_into_id:
        survivor = Customer.objects.filter(pk=customer.merged_into_id).first()
        raise InvalidState(
            f"{customer.number} was merged into {survivor.number if survivor else 'another'}"
            " customer; change that one instead.",
            merged_into=customer.merged_into_id,
        )
    if customer.status == "archived":
        raise InvalidState(f"{customer.number} is archived; restore it first.")


def lock_customer(customer: Customer) -> Customer:
    """Re-read ``customer`` holding its row until commit (PostgreSQL; SQLite's IMMEDIATE
    transactions already exclude other writers)."""
    qs = Customer.objects.filter(pk=customer.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.get()


def identity_lock_keys(org: Organization, phones: list[str], email_keys: list[str]) -> list[str]:
    return [f"customers:{org.pk}:phone:{p}" for p in phones] + [
        f"customers:{org.pk}:email:{e}" for e in email_keys
    ]


def check_duplicates(
    *,
    org: Organization,
    phones: list[str],
    email_keys: list[str],
    name: str,
    first_name: str = "",
    last_name: str = "",
    exclude_id=None,
    allow_duplicate: bool = False,
) -> list:
    """Rule 2: 409 with ``matches`` and ranked ``likely`` when a phone or email is taken.
    Must run inside the transaction, after :func:`lock_keys` on the same identities."""
    lock_keys(*identity_lock_keys(org, phones, email_keys))
    matches = identity_matches(phones=phones, email_keys=email_keys, exclude_id=exclude_id)
    if matches and not allow_duplicate:
        likely = likely_matches(
            name=name,
            first_name=first_name,
            last_name=last_name,
            also=matches,
            exclude_id=exclude_id,
        )
        on = sorted({m.split(":", 1)[0] for match in matches for m in match.matched_on})
        raise Conflict(
            f"A customer with this {' and '.join(on)} exists already: merge, or repeat with"
            ' "allow_duplicate": true.',
            matches=[m.as_dict() for m in matches],
            likely=[m.as_dict() for m in likely],
        )
    return matches


def _company(value) -> Company | None:
    if value is None:
        return None
    company = get_referenced(Company, value, field="company_id", status=404)
    if company.status == "archived":
        raise ValidationFailed({"company_id": "This company is archived."})
    return company


def _child_lists(customer: Customer) -> dict[str, list]:
    return {
        "phones": [p.number for p in CustomerPhone.objects.filter(customer=customer)],
        "emails": [e.address for e in CustomerEmail.objects.filter(customer=customer)],
        "addresses": [str(a) for a in CustomerAddress.objects.filter(customer=customer)],
        "tags": sorted(CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True)),
    }


def _write_phones(org, customer: Customer, phones: list[dict]) -> None:
    """Replace the customer's phones, keeping the rows (and their consent) of numbers
    that stay."""
    existing = {p.number: p for p in CustomerPhone.objects.filter(customer=customer)}
    keep = {p["number"] for p in phones}
    CustomerPhone.objects.filter(customer=customer).exclude(number__in=keep).delete()
    # clear primaries first: the one-primary constraint holds after every statement
    CustomerPhone.objects.filter(customer=customer, primary=True).update(primary=False)
    new = []
    for position, data in enumerate(phones):
        row = existing.get(data["number"])
        if row is None:
            new.append(
                CustomerPhone(organization_id=org.pk, customer=customer, position=position, **data)
            )
            continue
        for key, value in data.items():
            setattr(row, key, value)
        row.position = position
        row.save(update_fields=[*data, "position", "updated_at"])
    CustomerPhone.objects.bulk_create(new)


def _write_emails(org, customer: Customer, emails: list[dict]) -> None:
    existing = {e.key: e for e in CustomerEmail.objects.filter(customer=customer)}
    keep = {e["key"] for e in emails}
    CustomerEmail.objects.filter(customer=customer).exclude(key__in=keep).delete()
    CustomerEmail.objects.filter(customer=customer, primary=True).update(primary=False)
    new = []
    for position, data in enumerate(emails):
        row = existing.get(data["key"])
        if row is None:
            new.append(
                CustomerEmail(organization_id=org.pk, customer=customer, position=position, **data)
            )
            continue
        for key, value in data.items():
            setattr(row, key, value)
        row.position = position
        row.save(update_fields=[*data, "position", "updated_at"])
    CustomerEmail.objects.bulk_create(new)


def _write_addresses(org, customer: Customer, addresses: list[dict]) -> None:
    CustomerAddress.objects.filter(customer=customer).delete()
    CustomerAddress.objects.bulk_create(
        CustomerAddress(organization_id=org.pk, customer=customer, position=i, **data)
        for i, data in enumerate(addresses)
    )


def _write_tags(org, customer: Customer, tags: list[str]) -> None:
    current = set(CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True))
    CustomerTag.objects.filter(customer=customer, tag__in=current - set(tags)).delete()
    CustomerTag.objects.bulk_create(
        CustomerTag(organization_id=org.pk, customer=customer, tag=t)
        for t in tags
        if t not in current
    )


WRITERS = {
    "phones": _write_phones,
    "emails": _write_emails,
    "addresses": _write_addresses,
    "tags": _write_tags,
}


def _derived_name(values: dict[str, Any], company: Company | None, phones, emails) -> str:
    return derived_display_name(
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        company_name=company.name if company else "",
        email=emails[0]["address"] if emails else "",
        phone=phones[0]["number"] if phones else "",
    )


def _reindex(customer: Customer) -> None:
    index_customers([customer.pk])
    customer.refresh_from_db(fields=DERIVED_FIELDS)


# --- create and update -------------------------------------------------------------------
def customer_create(
    *, org: Organization, actor: Actor, data: dict[str, Any], allow_duplicate: bool = False
) -> Customer:
    """Create a customer with their phones, emails, addresses and tags.

    409 (``matches`` + ``likely``) when a phone or an email belongs to a customer already,
    unless ``allow_duplicate``, which creates anyway and says so in the audit trail."""
    errors = Errors()
    values = clean_customer(data, region=org.country, errors=errors)
    errors.raise_if_any()
    children = {name: values.pop(name, []) for name in CHILDREN}
    values.pop("status", None)
    company_id = values.pop("company_id", None)
    phones, emails = children["phones"], children["emails"]
    if not (
        values.get("first_name")
        or values.get("last_name")
        or values.get("display_name")
        or phones
        or emails
    ):
        raise ValidationFailed(
            {"last_name": "A customer needs a name, a phone number or an email address."}
        )
    with transaction.atomic():
        company = _company(company_id)
        derived = _derived_name(values, company, phones, emails)
        values["display_name"] = values.get("display_name") or derived
        matches = check_duplicates(
            org=org,
            phones=[p["number"] for p in phones],
            email_keys=[e["key"] for e in emails],
            name=values["display_name"],
            first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""),
            allow_duplicate=allow_duplicate,
        )
        customer = Customer(
            organization_id=org.pk,
            number=reference_next(org=org, kind="customer"),
            company=company,
            **values,
        )
        customer.save(force_insert=True)
        for name in CHILDREN:
            if children[name]:
                WRITERS[name](org, customer, children[name])
        _reindex(customer)
        changes = {k: (None, v) for k, v in values.items()}
        changes["number"] = (None, customer.number)
        if company:
            changes["company_id"] = (None, company.pk)
        for name, items in _child_lists(customer).items():
            if items:
                changes[name] = (None, items)
        metadata = {}
        if matches:
            metadata = {
                "allow_duplicate": True,
                "duplicate_of": [str(m.customer.pk) for m in matches],
            }
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=customer,
            changes=changes,
            metadata=metadata,
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_CREATED,
            actor=actor,
            payload={
                "id": customer.pk,
                "number": customer.number,
                "display_name": customer.display_name,
                "allow_duplicate": bool(matches),
            },
        )
    return customer


def customer_update(
    *,
    org: Organization,
    actor: Actor,
    customer: Customer,
    data: dict[str, Any],
    allow_duplicate: bool = False,
) -> Customer:
    """Change the fields present in ``data`` (PATCH); PUT passes every field. Lists
    (phones, emails, addresses, tags) given are the new complete lists. New phones and
    emails go through the duplicate check, this customer excluded."""
    ensure_editable(customer)
    errors = Errors()
    values = clean_customer(data, region=org.country, errors=errors)
    errors.raise_if_any()
    children = {name: values.pop(name) for name in CHILDREN if name in values}
    with transaction.atomic():
        customer = lock_customer(customer)
        ensure_editable(customer)
        before_children = _child_lists(customer)
        company = customer.company
        if "company_id" in values:
            company = _company(values.pop("company_id"))
            values["company"] = company
        old_phones = before_children["phones"]
        old_emails = set(
            CustomerEmail.objects.filter(customer=customer).values_list("key", flat=True)
        )
        new_phones = [
            p["number"] for p in children.get("phones", []) if p["number"] not in old_phones
        ]
        new_emails = [e["key"] for e in children.get("emails", []) if e["key"] not in old_emails]
        _follow_display_name(customer, values, company, children)
        matches = []
        if new_phones or new_emails:
            matches = check_duplicates(
                org=org,
                phones=new_phones,
                email_keys=new_emails,
                name=values.get("display_name", customer.display_name),
                first_name=values.get("first_name", customer.first_name),
                last_name=values.get("last_name", customer.last_name),
                exclude_id=customer.pk,
                allow_duplicate=allow_duplicate,
            )
        changes = {}
        for name, value in values.items():
            before = getattr(customer, name)
            if before != value:
                changes["company_id" if name == "company" else name] = (
                    getattr(before, "pk", before),
                    getattr(value, "pk", value),
                )
                setattr(customer, name, value)
        for name, items in children.items():
            WRITERS[name](org, customer, items)
        after_children = _child_lists(customer)
        for name in children:
            if after_children[name] != before_children[name]:
                changes[name] = (before_children[name], after_children[name])
        if not changes:
            return customer
        fields = [f for f in values if ("company_id" if f == "company" else f) in changes]
        customer.save(update_fields=[*fields, "updated_at"])
        _reindex(customer)
        metadata = {}
        if matches:
            metadata = {
                "allow_duplicate": True,
                "duplicate_of": [str(m.customer.pk) for m in matches],
            }
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=customer,
            changes=changes,
            metadata=metadata,
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_UPDATED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number, "changed": sorted(changes)},
        )
    return customer


def _follow_display_name(customer, values, company, children) -> None:
    """A display name nobody typed follows what it was made of (names, company, primary
    contact); an empty one given explicitly means "make one up" again."""
    if values.get("display_name"):
        return
    current = {"first_name": customer.first_name, "last_name": customer.last_name}
    phones = [{"number": customer.primary_phone}] if customer.primary_phone else []
    emails = [{"address": customer.primary_email}] if customer.primary_email else []
    was_derived = customer.display_name == _derived_name(current, customer.company, phones, emails)
    if "display_name" not in values and not was_derived:
        return
    merged = {key: values.get(key, value) for key, value in current.items()}
    values["display_name"] = _derived_name(
        merged, company, children.get("phones", phones), children.get("emails", emails)
    )


# --- archive and restore -----------------------------------------------------------------
def customer_archive(*, org: Organization, actor: Actor, customer: Customer) -> Customer:
    """Archive (never delete). Archiving an archived customer changes nothing."""
    with transaction.atomic():
        customer = lock_customer(customer)
        if customer.status == "archived":
            return customer
        before = customer.status
        customer.status = "archived"
        customer.archived_at = timezone.now()
        customer.save(update_fields=["status", "archived_at", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.ARCHIVE,
            obj=customer,
            changes={"status": (before, "archived")},
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_ARCHIVED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number},
        )
    return customer


def customer_restore(*, org: Organization, actor: Actor, customer: Customer) -> Customer:
    """Bring an archived customer back. A merged tombstone cannot come back (409)."""
    with transaction.atomic():
        customer = lock_customer(customer)
        if customer.merged_into_id:
            ensure_editable(customer)
        if customer.status != "archived":
            return customer
        customer.status = "active"
        customer.archived_at = None
        customer.save(update_fields=["status", "archived_at", "updated_at"])
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.RESTORE,
            obj=customer,
            changes={"status": ("archived", "active")},
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_UPDATED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number, "changed": ["status"]},
        )
    return customer


# --- notes and tags ----------------------------------------------------------------------
def customer_note_add(
    *, org: Organization, actor: Actor, customer: Customer, body: str
) -> CustomerNote:
    ensure_editable(customer)
    body = clean_note(body)
    with transaction.atomic():
        note = CustomerNote.objects.create(
            organization_id=org.pk,
            customer=customer,
            body=body,
            author_id=actor.membership_id,
            author_label=actor.label[:300],
        )
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=note,
            changes={"body": (None, body)},
            metadata={"customer_id": str(customer.pk)},
        )
        Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
        event_emit(
            org=org,
            type=events.CUSTOMER_UPDATED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number, "changed": ["note_entries"]},
        )
    return note


def _tags_change(org, actor, customer: Customer, tags: list[str]) -> list[str]:
    with transaction.atomic():
        customer = lock_customer(customer)
        ensure_editable(customer)
        before = sorted(CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True))
        after = sorted(tags)
        if before == after:
            return before
        _write_tags(org, customer, after)
        customer.save(update_fields=["updated_at"])
        _reindex(customer)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            obj=customer,
            changes={"tags": (before, after)},
        )
        event_emit(
            org=org,
            type=events.CUSTOMER_UPDATED,
            actor=actor,
            payload={"id": customer.pk, "number": customer.number, "changed": ["tags"]},
        )
    return after


def customer_tags_add(
    *, org: Organization, actor: Actor, customer: Customer, tags: list[str]
) -> list[str]:
    """Add tags (idempotent); returns the customer's tags."""
    ensure_editable(customer)
    errors = Errors()
    new = clean_tags(tags, errors=errors)
    errors.raise_if_any()
    current = set(CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True))
    if len(current | set(new)) > 50:
        raise ValidationFailed({"tags": "A customer has at most 50 tags."})
    return _tags_change(org, actor, customer, sorted(current | set(new)))


def customer_tag_remove(
    *, org: Organization, actor: Actor, customer: Customer, tag: str
) -> list[str]:
    """Remove one tag (removing an absent tag changes nothing); returns the tags."""
    ensure_editable(customer)
    errors = Errors()
    cleaned = clean_tags([tag], errors=errors)
    errors.raise_if_any()
    current = set(CustomerTag.objects.filter(customer=customer).values_list("tag", flat=True))
    return _tags_change(org, actor, customer, sorted(current - set(cleaned)))
