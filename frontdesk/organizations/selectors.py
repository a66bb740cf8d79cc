from django.db.models import QuerySet

from frontdesk.organizations.models import ApiToken, Membership


def membership_list(
    *, role: str | None = None, is_active: bool | None = None, q: str | None = None
) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user")
    if role:
        qs = qs.filter(role=role)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(user__email__icontains=q) | qs.filter(user__full_name__icontains=q)
    return qs


def token_list(*, actor, all_tokens: bool = False) -> QuerySet[ApiToken]:
    qs = ApiToken.objects.select_related("membership__user")
    if not all_tokens:
        qs = qs.filter(membership_id=actor.membership_id)
    return qs
