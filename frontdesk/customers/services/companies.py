"""Writing companies: create, update, archive, restore (archived, never deleted)."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import InvalidState, ValidationFailed
from frontdesk.core.lookups import get_referenced
from frontdesk.core.services import model_update
from frontdesk.customers.inputs import Errors, clean_company
from frontdesk.customers.models import Company, Customer
from frontdesk.customers.normalize import fold
from frontdesk.customers.search import index_customers
from frontdesk.organizations.models import Organization


def _primary_contact(value) -> Customer | None:
    if value is None:
        return None
    contact = get_referenced(Customer, value, field="primary_contact_id", status=404)
    if contact.merged_into_id or contact.status == "archived":
        raise ValidationFailed({"primary_contact_id": "This customer is archived."})
    return contact


def _lock(company: Company) -> Company:
    qs = Company.objects.filter(pk=company.pk)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update()
    return qs.get()


def company_create(*, org: Organization, actor: Actor, data: dict[str, Any]) -> Company:
    errors = Errors()
    values = clean_company(data, region=org.country, errors=errors)
    if not values.get("name") and not any(e["field"] == "name" for e in errors.items):
        errors.add("name", "A company needs a name.")
    errors.raise_if_any()
    with transaction.atomic():
        if "primary_contact_id" in values:
            values["primary_contact"] = _primary_contact(values.pop("primary_contact_id"))
        company = Company(organization_id=org.pk, name_key=fold(values["name"])[:200], **values)
        company.save(force_insert=True)
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.CREATE,
            obj=company,
            changes={k: (None, getattr(v, "pk", v)) for k, v in values.items()},
        )
    return company


def company_update(
    *, org: Organization, actor: Actor, company: Company, data: dict[str, Any]
) -> Company:
    """Change the fields in ``data``. A new name reaches every contact's search keys."""
    errors = Errors()
    values = clean_company(data, region=org.country, errors=errors)
    errors.raise_if_any()
    with transaction.atomic():
        company = _lock(company)
        if company.status == "archived":
            raise InvalidState(f"{company.name} is archived; restore it first.")
        if "primary_contact_id" in values:
            values["primary_contact"] = _primary_contact(values.pop("primary_contact_id"))
        if "name" in values:
            values["name_key"] = fold(values["name"])[:200]
        company, changes = model_update(instance=company, org=org, actor=actor, data=values)
        if "name" in changes:
            contacts = Customer.objects.filter(company=company).values_list("pk", flat=True)
            index_customers(contacts.iterator(chunk_size=2000))
    return company


def _set_status(org, actor, company: Company, status: str, action: str) -> Company:
    with transaction.atomic():
        company = _lock(company)
        if company.status == status:
            return company
        before = company.status
        company.status = status
        company.updated_at = timezone.now()
        company.save(update_fields=["status", "updated_at"])
        audit_record(
            org=org, actor=actor, action=action, obj=company, changes={"status": (before, status)}
        )
    return company


def company_archive(*, org: Organization, actor: Actor, company: Company) -> Company:
    """Archive (never delete); its contacts keep pointing at it."""
    return _set_status(org, actor, company, "archived", AuditAction.ARCHIVE)


def company_restore(*, org: Organization, actor: Actor, company: Company) -> Company:
    if company.status != "archived":
        return company
    return _set_status(org, actor, company, "inactive", AuditAction.RESTORE)
