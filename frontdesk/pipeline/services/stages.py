"""The organization's pipeline stages: created from a preset on first use, renamed,
reordered, added and retired without ever losing a lead (leads point at stage rows)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Count

from frontdesk.audit.models import AuditAction
from frontdesk.audit.services import audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.core.tenancy import tenant_scope
from frontdesk.organizations.models import Organization
from frontdesk.pipeline.choices import (
    DEFAULT_PRESET,
    OPEN_LEAD_STATUSES,
    STAGE_PRESETS,
    DraftKind,
)
from frontdesk.pipeline.models import PipelineStage
from frontdesk.pipeline.services._common import text

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_STAGES = 20


def org_preset(org: Organization) -> str:
    preset = (org.settings or {}).get("pipeline", {}).get("preset", DEFAULT_PRESET)
    return preset if preset in STAGE_PRESETS else DEFAULT_PRESET


def stages_ensure(*, org: Organization) -> list[PipelineStage]:
    """The organization's active stages in order, creating its preset the first time
    (idempotent and safe under concurrency: the unique key makes a second insert a no-op).
    Not audited: seeding is configuration by the system, not a change by anyone."""
    with tenant_scope(org):
        stages = list(PipelineStage.objects.filter(is_active=True))
        if stages or PipelineStage.objects.exists():
            return stages
        PipelineStage.objects.bulk_create(
            [
                PipelineStage(
                    organization_id=org.pk, key=key, name=name, position=i, draft_kind=kind
                )
                for i, (key, name, kind) in enumerate(STAGE_PRESETS[org_preset(org)])
            ],
            ignore_conflicts=True,
        )
        return list(PipelineStage.objects.filter(is_active=True))


def stage_resolve(*, org: Organization, value: Any, field: str = "stage") -> PipelineStage:
    """An active stage by key (``estimate_sent``) or id; 422 naming ``field`` otherwise."""
    stages = stages_ensure(org=org)
    if isinstance(value, PipelineStage):
        value = value.pk
    for stage in stages:
        if value in (stage.key, stage.pk, str(stage.pk)):
            return stage
    keys = ", ".join(s.key for s in stages)
    raise ValidationFailed({field: f"Unknown stage; one of: {keys}."})


def stages_replace(
    *, org: Organization, actor: Actor, stages: list[dict[str, Any]]
) -> list[PipelineStage]:
    """Make the active stages exactly ``stages`` (``[{key, name, draft_kind?}]``, in order).
    Existing keys are renamed/reordered in place (their leads follow); new keys are added;
    a stage left out is retired (kept, inactive) — 409 if open leads are still in it."""
    if not isinstance(stages, list) or not stages:
        raise ValidationFailed({"stages": "Give at least one stage."})
    if len(stages) > MAX_STAGES:
        raise ValidationFailed({"stages": f"At most {MAX_STAGES} stages."})
    wanted: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(stages):
        if not isinstance(item, dict):
            raise ValidationFailed({f"stages[{i}]": "An object with key and name."})
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ValidationFailed(
                {f"stages[{i}].key": "Lower-case letters, digits and _, starting with a letter."}
            )
        if key in seen:
            raise ValidationFailed({f"stages[{i}].key": "Appears twice."})
        seen.add(key)
        name = text(item.get("name"), field=f"stages[{i}].name", max_length=80, required=True)
        kind = item.get("draft_kind") or DraftKind.INQUIRY
        if kind not in DraftKind.values:
            raise ValidationFailed(
                {f"stages[{i}].draft_kind": f"One of: {', '.join(DraftKind.values)}."}
            )
        wanted.append({"key": key, "name": name, "position": i, "draft_kind": kind})
    stages_ensure(org=org)
    with transaction.atomic():
        existing = {s.key: s for s in PipelineStage.objects.select_for_update()}
        before = [(s.key, s.name) for s in existing.values() if s.is_active]
        retiring = [s for k, s in existing.items() if k not in seen and s.is_active]
        if retiring:
            busy = (
                PipelineStage.objects.filter(
                    pk__in=[s.pk for s in retiring], leads__status__in=OPEN_LEAD_STATUSES
                )
                .annotate(n=Count("leads"))
                .values_list("key", "n")
            )
            busy = [(k, n) for k, n in busy if n]
            if busy:
                names = ", ".join(f"{k} ({n} open leads)" for k, n in busy)
                raise Conflict(
                    f"Move the open leads out of these stages before removing them: {names}.",
                    stages=[k for k, _ in busy],
                )
            for stage in retiring:
                stage.is_active = False
                stage.save(update_fields=["is_active", "updated_at"])
        for item in wanted:
            stage = existing.get(item["key"])
            if stage is None:
                PipelineStage.objects.create(organization_id=org.pk, **item)
                continue
            stage.name, stage.position = item["name"], item["position"]
            stage.draft_kind, stage.is_active = item["draft_kind"], True
            stage.save(update_fields=["name", "position", "draft_kind", "is_active", "updated_at"])
        after = list(PipelineStage.objects.filter(is_active=True))
        audit_record(
            org=org,
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="pipeline.stages",
            object_id=str(org.pk),
            changes={"stages": (before, [(s.key, s.name) for s in after])},
        )
    return after
