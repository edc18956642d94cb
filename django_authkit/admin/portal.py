""""Open Admin Portal" on the Organization admin: a POST view that makes a WorkOS link.

The link lets whoever holds it configure the organization's SSO, directories and
domains at WorkOS, so making one needs the *change* permission on organizations
(superusers have it); the view permission alone gets a 403. The link is made on
POST only (CSRF-protected) and never shown on a page: the staff user is redirected.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from django_authkit.client import WorkOSError
from django_authkit.client.portal import INTENTS
from django_authkit.workos import get_workos

logger = logging.getLogger("django_authkit.admin")

DEFAULT_INTENT = "sso"
INTENT_LABELS = {
    "sso": _("Single Sign-On"),
    "dsync": _("Directory Sync"),
    "audit_logs": _("Audit Logs"),
    "log_streams": _("Log Streams"),
    "domain_verification": _("Domain verification"),
    "certificate_renewal": _("SAML certificate renewal"),
    "bring_your_own_key": _("Bring your own key"),
}


class AdminPortalMixin:
    """Adds ``<pk>/portal/`` to a ModelAdmin of ``Organization`` (``workos_id`` field)."""

    portal_template = "admin/authkit/organization/portal.html"

    def get_urls(self) -> list[Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(  # type: ignore[attr-defined]
            require_http_methods(["GET", "POST"])(self.portal_view)
        )
        mine: list[URLPattern] = [
            path(
                "<path:object_id>/portal/",
                view,
                name=f"{opts.app_label}_{opts.model_name}_portal",
            )
        ]
        inherited: list[Any] = super().get_urls()  # type: ignore[misc]
        return mine + inherited

    def portal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: choose what to set up; POST: make the link and redirect to it."""
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is None:
            raise Http404(gettext("No such organization"))
        if not self.has_portal_permission(request, obj):
            raise PermissionDenied
        opts = self.model._meta  # type: ignore[attr-defined]
        change_url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,  # type: ignore[attr-defined]
        )
        if request.method == "POST":
            intent = request.POST.get("intent") or DEFAULT_INTENT
            if intent not in INTENTS:
                messages.error(request, gettext("Choose what to set up in the Admin Portal."))
            else:
                link = self._portal_link(request, obj, intent, change_url)
                if link:
                    return HttpResponseRedirect(link)
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "original": obj,
            "title": gettext("Open the WorkOS Admin Portal for %(organization)s")
            % {"organization": obj},
            "intents": [(i, INTENT_LABELS.get(i, i)) for i in INTENTS],
            "default_intent": DEFAULT_INTENT,
            "change_url": change_url,
        }
        return render(request, self.portal_template, context)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        """Offer "Open Admin Portal" only to whom :meth:`has_portal_permission` lets open it."""
        context["has_portal_permission"] = obj is not None and bool(
            self.has_portal_permission(request, obj)
        )
        return super().render_change_form(  # type: ignore[misc,no-any-return]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def has_portal_permission(self, request: HttpRequest, obj: Any) -> bool:
        """May ``request.user`` open the Admin Portal of organization ``obj``?

        The default: the *change* permission on that organization (superusers have it).
        Staff come from the organizations ``STAFF_ORGANIZATIONS`` names, never from a
        customer organization's roles; override this to narrow it further (e.g. to the
        organizations a staff member looks after).
        """
        return bool(self.has_change_permission(request, obj))  # type: ignore[attr-defined]

    def _portal_link(
        self, request: HttpRequest, obj: Any, intent: str, change_url: str
    ) -> str | None:
        """The link, or ``None`` after telling the user why there is none."""
        try:
            answer = get_workos().portal.generate_link(
                organization=obj.workos_id,
                intent=intent,
                return_url=request.build_absolute_uri(change_url),
            )
        except (WorkOSError, ImproperlyConfigured) as exc:
            logger.warning("Admin Portal link for %s failed: %s", obj.workos_id, exc)
            messages.error(
                request,
                gettext("WorkOS could not make an Admin Portal link: %(error)s") % {"error": exc},
            )
            return None
        link = answer.link
        if urlsplit(link).scheme not in ("https", "http"):
            messages.error(
                request, gettext("WorkOS answered with a link that is not a web address.")
            )
            return None
        logger.info("Admin Portal link (%s) for %s made by %s", intent, obj.workos_id,
                    request.user.pk)
        return link
