"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

LEADS_VIEW = "leads.view"  # leads, opportunities, the board, stale leads
LEADS_EDIT = "leads.edit"  # create and work leads and opportunities (not confirm a win)
CONFIRM = "opportunities.confirm"  # confirm a won opportunity with "confirm": true
INTERACTIONS_VIEW = "interactions.view"  # interactions, timelines, today's follow-ups
INTERACTIONS_LOG = "interactions.log"  # log, bulk-log, schedule, change follow-up status
REPORTS_VIEW = "reports.view"  # pipeline, win/loss and source reports
STAGES_MANAGE = "settings.manage"  # PUT /pipeline/stages
DRAFT = "messages.draft"  # draft a follow-up into the approval queue (with leads.edit)
