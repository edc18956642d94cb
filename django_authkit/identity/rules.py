"""The e-mail identity rule and profile cleaning: what WorkOS says about a person, made safe.

**The rule.** Two addresses are the same identity only when they are equal after
surrounding ASCII whitespace is dropped and the ASCII letters ``A-Z`` are
lower-cased. Nothing else is folded: no Unicode case mapping, no NFC/NFKC, no
confusable skeletons. Each of those maps addresses that a mail system delivers to
different mailboxes onto one key: the dotless ``i`` (U+0131) upper-cases to ``I``
(what PostgreSQL's ``UPPER()`` does for ``__iexact``, the CVE-2019-19844
mechanism), the Kelvin sign (U+212A) lower-cases and NFC-normalises to ``k``, the
fullwidth ``a`` (U+FF41) and the ligature ``fi`` (U+FB01) NFKC-fold to ASCII.
A look-alike therefore never matches; the worst a visually equal but differently
encoded address gets is "not linked". The database only narrows the candidates
(``__iexact`` or exact); Python decides, so no collation takes part in a
security decision.

**Profile values** are cleaned before they touch the ORM: control characters
(NUL included), lone surrogates and bidi controls are removed, the value is cut to
the field's own ``max_length`` (custom user models included). An e-mail is never
cut: one that does not fit, or does not validate, is not written at all.
"""

from __future__ import annotations

import logging
import string
import unicodedata
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from django_authkit import signals

logger = logging.getLogger("django_authkit.identity")

EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit, and Django's EmailField default
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}
DEFAULT_REFUSAL = (
    "account_not_allowed", gettext_lazy("This account cannot sign in to this site."), 403
)


# -- the e-mail rule -------------------------------------------------------------------


def email_key(address: str | None) -> str:
    """The comparison key of an address: ASCII whitespace stripped, ``A-Z`` lower-cased."""
    return (address or "").strip(" \t\r\n").translate(_ASCII_LOWER)


def same_email(a: str | None, b: str | None) -> bool:
    """Whether two addresses are the same identity under the rule (empty never matches)."""
    key = email_key(a)
    return bool(key) and key == email_key(b)


def clean_email(value: str | None, max_length: int | None = EMAIL_MAX_LENGTH) -> str:
    """``value`` when it is a usable address that fits ``max_length``, else ``""``.

    Usable: Django's ``validate_email`` accepts it and it has no control, format,
    separator or surrogate characters. It is never truncated or rewritten.
    """
    address = (value or "").strip(" \t\r\n")
    if not address or len(address) > min(max_length or EMAIL_MAX_LENGTH, EMAIL_MAX_LENGTH):
        return ""
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
           for ch in address):
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def email_prefilter(field: str, address: str) -> Q:
    """A database filter that finds at least every row the rule calls the same address."""
    return Q(**{f"{field}__iexact": address}) | Q(**{field: address})


def users_with_email(address: str, *, exclude_pk: Any = None) -> list[Any]:
    """Local users whose e-mail is ``address`` under the rule (the database only narrows)."""
    from django.contrib.auth import get_user_model

    key = email_key(address)
    if not key:
        return []
    user_model = get_user_model()
    field = user_model.get_email_field_name()
    if not has_field(user_model, field):
        return []
    rows = user_model._default_manager.filter(email_prefilter(field, address.strip()))
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    return [u for u in rows[:100] if email_key(getattr(u, field, "")) == key]


def assignable_email(workos_user: Any, user: Any = None) -> tuple[str, str | None]:
    """``(address, None)`` when WorkOS's e-mail may be written onto ``user``
    (``None``: a user about to be created), else ``("", reason)``.

    Reasons: ``"invalid"`` (does not validate or fit the field), ``"unverified"``,
    ``"in_use"`` (another local account has this address under the rule).
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    max_length = max_length_of(user_model, user_model.get_email_field_name())
    address = clean_email(getattr(workos_user, "email", ""), max_length)
    if not address:
        return "", "invalid"
    if not getattr(workos_user, "email_verified", False):
        return "", "unverified"
    if users_with_email(address, exclude_pk=getattr(user, "pk", None)):
        return "", "in_use"
    return address, None


def email_refused(user: Any, workos_user: Any, reason: str, *, sender: Any = None) -> None:
    """Log and signal that WorkOS's e-mail was not written onto ``user`` (the rule said no)."""
    logger.warning(
        "Kept the local e-mail of user %s: WorkOS's address for %s is %s.",
        getattr(user, "pk", None), getattr(workos_user, "id", "?"), reason.replace("_", " "),
    )
    signals.email_update_refused.send(
        sender=sender or user.__class__, user=user, workos_user=workos_user,
        email=getattr(workos_user, "email", ""), reason=reason,
    )


def username_is_email(user_model: Any) -> bool:
    """Whether the model signs users in by e-mail (``USERNAME_FIELD`` is its e-mail field)."""
    field = user_model.USERNAME_FIELD
    if field == user_model.get_email_field_name():
        return True
    try:
        return isinstance(user_model._meta.get_field(field), models.EmailField)
    except FieldDoesNotExist:
        return False


# -- profile cleaning ------------------------------------------------------------------


def clean_text(value: Any, max_length: int | None) -> str:
    """``value`` as text without control, surrogate or bidi characters, cut to ``max_length``."""
    text = "" if value is None else str(value)
    text = "".join(
        ch for ch in text
        if ch not in _BIDI and unicodedata.category(ch) not in {"Cc", "Cs"}
    ).strip()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length].rstrip()
    return text


def clean_url(value: Any, max_length: int | None) -> str:
    """An ``http(s)`` URL that fits, else ``""`` (a cut URL would point elsewhere)."""
    url = clean_text(value, None)
    if not url.lower().startswith(("https://", "http://")) or any(ch.isspace() for ch in url):
        return ""
    return url if max_length is None or len(url) <= max_length else ""


def clean_json(value: Any) -> Any:
    """JSON data with NUL and lone surrogates removed from every string (PostgreSQL's
    ``jsonb`` refuses both)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch != "\x00" and unicodedata.category(ch) != "Cs")
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {clean_json(str(k)): clean_json(v) for k, v in value.items()}
    return value


def has_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def max_length_of(model: Any, name: str) -> int | None:
    """The ``max_length`` of ``model.name`` (``None`` when unbounded or absent)."""
    try:
        return getattr(model._meta.get_field(name), "max_length", None)
    except FieldDoesNotExist:
        return None


def assign_changed(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set on ``obj`` the ``values`` that differ; their names, for ``save(update_fields=...)``."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def cleaned(model: Any, values: dict[str, Any]) -> dict[str, str]:
    """``values`` cleaned and bounded for the fields of ``model`` that exist."""
    return {
        name: clean_text(value, max_length_of(model, name))
        for name, value in values.items()
        if has_field(model, name)
    }


# -- refusals (raised below the web layer, rendered above it) --------------------------


class IdentityRefused(Exception):
    """The identity rule refuses this sign-in; ``code``, a message safe to show, a status.

    ``title`` and ``hint`` (what the site's operators can do) go onto the error page;
    ``template`` names a page of its own (the default: ``authkit/error.html``) and
    ``context`` what that page needs besides the message. The sign-in pipeline turns
    all of it into its one :class:`~django_authkit.workos.failures.Failure`, so the
    hosted callback, the native forms and API mode show the same refusal.
    """

    def __init__(
        self, code: str, message: Any, status: int = 403, *, title: Any = None,
        hint: Any = "", template: str = "", context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code, self.message, self.status = code, message, status
        self.title, self.hint, self.template = title, hint, template
        self.context: dict[str, Any] = dict(context or {})


#: The page of :func:`email_conflict_refusal` (overridable like every AuthKit template).
EMAIL_CONFLICT_TEMPLATE = "authkit/email_conflict.html"


def email_conflict_refusal(workos_user: Any) -> IdentityRefused:
    """A new WorkOS identity whose address another local account has, refused (409).

    The page names only the address of the identity that just signed in (WorkOS vouches
    for it to this visitor), never the local account that has it: what happened, what the
    visitor can do (sign in as before, or ask the site), and what the operators can do
    (link the two in the admin, or opt in to linking by e-mail).
    """
    address = clean_text(getattr(workos_user, "email", ""), EMAIL_MAX_LENGTH) or "(none)"
    workos_id = clean_text(getattr(workos_user, "id", ""), 64)
    return IdentityRefused(
        "email_in_use",
        _("You signed in as %(email)s, but another account on this site already uses that "
          "address and is not linked to this sign-in, so no new account was created. Sign in "
          "the way you did before to reach that account, or ask the site's administrators to "
          "link the two.") % {"email": address},
        409,
        title=_("This e-mail address already has an account here"),
        hint=_("Administrators: to link the two, give the existing account the WorkOS user "
               "id %(workos_id)s in the admin (WorkOS user links: change its link, or add "
               "one), or let such sign-ins link by e-mail: AUTHKIT['LINK_BY_EMAIL'] for "
               "accounts not linked yet, and the adapter's resolve_email_conflict() "
               "answering EmailConflict.LINK.") % {"workos_id": workos_id},
        template=EMAIL_CONFLICT_TEMPLATE,
        context={"email": address, "workos_user_id": workos_id},
    )


def email_refusal(workos_user: Any, reason: str) -> IdentityRefused:
    """Why a user that signs in by e-mail cannot be created, naming the conflict."""
    address = clean_text(getattr(workos_user, "email", ""), EMAIL_MAX_LENGTH) or "(none)"
    if reason == "in_use":
        return email_conflict_refusal(workos_user)
    if reason == "unverified":
        return IdentityRefused(
            "email_unverified",
            _("The e-mail address %(email)s is not verified. Verify it, then sign in again.")
            % {"email": address},
            403,
        )
    return IdentityRefused(
        "email_invalid", _("The e-mail address of this account cannot be used on this site."), 400
    )


def email_conflict_refused(workos_user: Any, holders: list[Any], *, sender: Any = None) -> None:
    """Log and signal a first sign-in refused because ``holders`` have its address.

    ``email_update_refused`` is sent with ``user=None`` (no account was created) and
    ``reason="in_use"``, as when the old behaviour created an account without the address.
    """
    logger.warning(
        "Refused the first sign-in of WorkOS user %s: its address is in use by local "
        "user(s) %s, not linked to it (the adapter's resolve_email_conflict() said refuse). "
        "Link them in the admin (WorkOS user links) or opt in to linking by e-mail.",
        getattr(workos_user, "id", "?"), ", ".join(str(getattr(u, "pk", "?")) for u in holders),
    )
    signals.email_update_refused.send(
        sender=sender or (type(holders[0]) if holders else None), user=None,
        workos_user=workos_user, email=getattr(workos_user, "email", ""), reason="in_use",
    )
