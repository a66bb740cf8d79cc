"""Writes of the pipeline domain. Import services from here:
``from frontdesk.pipeline.services import lead_create, interaction_log``.

Stable, keyword-only signatures other apps (inquiries, telephony) build on:

- ``lead_create(*, org, actor, title, source, customer=None, contact=None, description="",
  estimated_value=None, currency=None, owner=None, stage=None, expected_close_date=None)``
  — ``contact`` is ``{name | first_name, last_name, phone, email}``: found by phone/email
  (rule 2: a match is linked, not duplicated) or created as a prospect.
- ``interaction_log(*, org, actor, type, customer=None, lead=None, opportunity=None,
  occurred_at=None, direction="", subject="", body="", duration_s=None, outcome="none",
  sentiment="", follow_up_date=None, follow_up_status=None, transcript="", summary="",
  staff=None)`` — at least one of customer/lead/opportunity (422 otherwise).
"""

from frontdesk.pipeline.services.drafts import lead_follow_up_draft
from frontdesk.pipeline.services.interactions import (
    interaction_follow_up_set,
    interaction_log,
    interaction_log_bulk,
)
from frontdesk.pipeline.services.leads import (
    contact_missing,
    contact_resolve,
    lead_assign,
    lead_convert,
    lead_create,
    lead_disqualify,
    lead_move_stage,
    lead_qualify,
    lead_rescore,
    lead_update,
    leads_rescore_aged,
)
from frontdesk.pipeline.services.opportunities import (
    opportunity_create,
    opportunity_lose,
    opportunity_update,
    opportunity_win,
    opportunity_win_request,
)
from frontdesk.pipeline.services.scoring import lead_score_compute
from frontdesk.pipeline.services.stages import stage_resolve, stages_ensure, stages_replace

__all__ = [
    "contact_missing",
    "contact_resolve",
    "interaction_follow_up_set",
    "interaction_log",
    "interaction_log_bulk",
    "lead_assign",
    "lead_convert",
    "lead_create",
    "lead_disqualify",
    "lead_follow_up_draft",
    "lead_move_stage",
    "lead_qualify",
    "lead_rescore",
    "leads_rescore_aged",
    "lead_score_compute",
    "lead_update",
    "opportunity_create",
    "opportunity_lose",
    "opportunity_update",
    "opportunity_win",
    "opportunity_win_request",
    "stage_resolve",
    "stages_ensure",
    "stages_replace",
]
