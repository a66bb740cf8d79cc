"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "billing.view"  # quotes, invoices, payments, ledgers, receivables
MANAGE = "billing.manage"  # issue quotes and invoices, take payments, credit notes
CATALOG = "catalog.manage"  # the service catalog and the tax rate
