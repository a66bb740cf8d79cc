"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "customers.view"  # a customer's balance, tier and history; the rewards catalog
ADJUST = "loyalty.adjust"  # add and redeem points
CATALOG = "catalog.manage"  # the rewards catalog
SETTINGS = "settings.manage"  # earn rate, tiers, expiry
