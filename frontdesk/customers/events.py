"""The event types this app emits (``event_emit(type=...)``), with their payloads."""

CUSTOMER_CREATED = "customer.created"  # {id, number, display_name, allow_duplicate}
CUSTOMER_UPDATED = "customer.updated"  # {id, number, changed: [field, ...]}
CUSTOMER_ARCHIVED = "customer.archived"  # {id, number}
CUSTOMER_MERGED = "customer.merged"  # {survivor_id, duplicate_id, moved: {relation: count}}
# one event per import, not one per customer (an import may create a million):
# {import_id, rows, created, updated, skipped, errors, dry_run}
CUSTOMERS_IMPORTED = "customers.imported"
CUSTOMERS_IMPORT_REVERTED = "customers.import_reverted"  # {import_id, archived, restored}

EVENT_TYPES = (
    CUSTOMER_CREATED,
    CUSTOMER_UPDATED,
    CUSTOMER_ARCHIVED,
    CUSTOMER_MERGED,
    CUSTOMERS_IMPORTED,
    CUSTOMERS_IMPORT_REVERTED,
)
