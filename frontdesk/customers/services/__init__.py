"""Writes of the customers domain. Import services from here:
``from frontdesk.customers.services import customer_create``."""

from frontdesk.customers.services.companies import (
    company_archive,
    company_create,
    company_restore,
    company_update,
)
from frontdesk.customers.services.contacts import customer_find_or_create, customer_visit_record
from frontdesk.customers.services.customers import (
    check_duplicates,
    customer_archive,
    customer_create,
    customer_note_add,
    customer_restore,
    customer_tag_remove,
    customer_tags_add,
    customer_update,
    ensure_editable,
)
from frontdesk.customers.services.dismissals import duplicate_dismiss, duplicate_dismissal_undo
from frontdesk.customers.services.vehicles import (
    customer_vehicle_add,
    customer_vehicle_update,
    vehicle_create,
    vehicle_update,
)

__all__ = [
    "check_duplicates",
    "company_archive",
    "company_create",
    "company_restore",
    "company_update",
    "customer_archive",
    "customer_create",
    "customer_find_or_create",
    "customer_note_add",
    "customer_restore",
    "customer_tag_remove",
    "customer_tags_add",
    "customer_update",
    "customer_vehicle_add",
    "customer_vehicle_update",
    "customer_visit_record",
    "duplicate_dismiss",
    "duplicate_dismissal_undo",
    "ensure_editable",
    "vehicle_create",
    "vehicle_update",
]
