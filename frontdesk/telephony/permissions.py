"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

REPORT = "telephony.calls"  # the provider's call events (an integration token)
VIEW = "interactions.view"  # the missed-call queue
HANDLE = "interactions.log"  # mark handled, send the follow-up SMS (which also needs DRAFT)
DRAFT = "messages.draft"
SETTINGS = "integrations.manage"  # the signing secret, target, SMS text
