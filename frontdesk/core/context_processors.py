from django.http import HttpRequest

from frontdesk.core.navigation import navigation_for
from frontdesk.organizations.auth import memberships_of


def frontdesk(request: HttpRequest) -> dict:
    """What the base layout needs: the actor, their organization, the navigation they may
    use, and their other organizations (for the switcher; one query, only when shown)."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.via != "session":
        return {"actor": None, "current_org": None, "navigation": [], "org_choices": []}
    return {
        "actor": actor,
        "current_org": getattr(request, "org", None),
        "navigation": navigation_for(actor, request.path),
        "org_choices": lambda: memberships_of(request.user),
    }
