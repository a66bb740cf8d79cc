"""The permission webhook endpoints and pages name (mapped to roles in
``organizations/roles.py``)."""

MANAGE = "webhooks.manage"  # see, create, change, delete endpoints; read and replay deliveries
