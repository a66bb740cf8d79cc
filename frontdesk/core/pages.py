"""Pages (server-rendered views) declare their permission here, like API operations do.

``@page_permission("staff.view")`` sends an anonymous visitor to the login page (with a
safe ``next=``), answers 403 to a role without the permission, and otherwise runs the
view inside the organization scope that ``TenancyMiddleware`` activated, with the
organization's time zone active (so templates show its local times).

A :class:`~frontdesk.core.errors.DomainError` escaping the view becomes the matching
error page: ``NotFound`` (another organization's id included) → 404, ``PermissionDenied``
→ 403, anything else → a page naming the problem with its status. Views that can show the
error next to a form catch it themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from frontdesk.core import errors
from frontdesk.organizations.roles import PERMISSIONS, is_known_permission


def page_permission(permission: str) -> Callable:
    if not is_known_permission(permission):
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            actor = getattr(request, "actor", None)
            if actor is None or actor.via != "session":
                return redirect_to_login(request.get_full_path())
            if not actor.has(permission):
                raise PermissionDenied(f"Your role may not {PERMISSIONS[permission][0].lower()}.")
            try:
                with timezone.override(request.org.time_zone):
                    return view(request, *args, **kwargs)
            except errors.NotFound as exc:
                raise Http404(exc.detail) from exc
            except errors.PermissionDenied as exc:
                raise PermissionDenied(exc.detail) from exc
            except errors.DomainError as exc:
                return error_page(request, exc)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def error_page(request: HttpRequest, exc: errors.DomainError) -> HttpResponse:
    return render(
        request,
        "errors/problem.html",
        {"title": exc.title, "detail": exc.detail},
        status=exc.status,
    )
