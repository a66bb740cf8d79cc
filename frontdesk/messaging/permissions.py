"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "messages.view"  # messages, the outbox, templates, inbound replies
DRAFT = "messages.draft"  # write messages (sent at once with SEND, else queued for approval)
SEND = "messages.send"  # one's own messages go out without approval
REVIEW = "messages.review"  # open the approval queue, approve/reject (then APPROVE*)
APPROVE = "messages.approve"  # approve or reject automation, assistant and system messages
APPROVE_CAMPAIGN = "messages.approve_campaign"  # approve or reject campaign messages
SETTINGS = "messaging.settings"  # messaging settings and templates
NOTIFICATIONS = "notifications.view"  # one's own staff notifications
