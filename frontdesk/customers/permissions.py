"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "customers.view"  # customers, companies, vehicles, duplicates, overview, history
CREATE = "customers.create"  # create customers (the counter: cashier, sales too)
EDIT = "customers.edit"  # profiles, notes, tags, companies, vehicles and their links
ARCHIVE = "customers.archive"  # archive and restore customers and companies
MERGE = "customers.merge"  # merge duplicates
IMPORT = "customers.import"  # upload, run and revert CSV imports
EXPORT = "customers.export"  # export customers (personal data) as CSV or JSON
