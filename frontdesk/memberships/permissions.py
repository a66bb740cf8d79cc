"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "customers.view"  # plans, a customer's membership and its history
PLANS = "catalog.manage"  # create and change plans
ASSIGN = "memberships.assign"  # assign, renew, change and cancel a customer's membership
