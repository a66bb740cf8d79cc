"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table). Inquiries are part of the pipeline's work."""

VIEW = "leads.view"  # the inbox, one inquiry
WORK = "leads.edit"  # assign, reply (the message also needs messages.draft), resolve
DRAFT = "messages.draft"
