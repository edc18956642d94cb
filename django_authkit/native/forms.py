"""Django forms of the native sign-in pages; subclass them and set ``form_class`` on a view.

Every field carries the ``autocomplete`` hint browsers and password managers
expect, codes are ``inputmode="numeric"`` with ``autocomplete="one-time-code"``,
and nothing secret (pending tokens, factor ids) is ever a field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_CODE = re.compile(r"^[0-9]{6}$")


def _attrs(autocomplete: str, **extra: str) -> dict[str, str]:
    return {"autocomplete": autocomplete, **extra}


def _password(
    label: StrOrPromise, autocomplete: str, *, min_length: int | None = None
) -> forms.CharField:
    """A password field, never stripped; a ``min_length`` is also shown as the hint."""
    return forms.CharField(
        label=label,
        min_length=min_length,
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        help_text=format_lazy(_("At least {count} characters."), count=min_length)
        if min_length
        else "",
        widget=forms.PasswordInput(attrs=_attrs(autocomplete)),
    )


def _name(label: StrOrPromise, autocomplete: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs=_attrs(autocomplete)),
    )


class EmailField(forms.EmailField):
    """An e-mail address, trimmed and lower-cased as WorkOS stores it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("label", _("E-mail address"))
        kwargs.setdefault(
            "widget",
            forms.EmailInput(attrs=_attrs("email", autocapitalize="none", spellcheck="false")),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return str(super().clean(value)).strip().lower()


class SignInForm(forms.Form):
    email = EmailField()
    password = _password(_("Password"), "current-password")


class SignUpForm(forms.Form):
    first_name = _name(_("First name"), "given-name")
    last_name = _name(_("Last name"), "family-name")
    email = EmailField()
    password = _password(_("Password"), "new-password", min_length=MIN_PASSWORD_LENGTH)


class EmailForm(forms.Form):
    """Just an address: send a sign-in code, or a password-reset link."""

    email = EmailField()


class CodeForm(forms.Form):
    """A 6-digit one-time code (e-mailed, or from an authenticator app)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code."),
        widget=forms.TextInput(
            attrs=_attrs(
                "one-time-code", inputmode="numeric", pattern="[0-9 ]*", autocapitalize="none"
            )
        ),
    )

    def clean_code(self) -> str:
        value = re.sub(r"[\s-]", "", str(self.cleaned_data["code"]))
        if not _CODE.match(value):
            raise forms.ValidationError(_("Enter the 6-digit code."), code="invalid")
        return value


class OrganizationForm(forms.Form):
    """One of the organizations WorkOS offered; nothing else is accepted."""

    organization_id = forms.ChoiceField(label=_("Organization"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, organizations: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(o.get("id", "")), str(o.get("name") or o.get("id", ""))) for o in organizations
        ]


class SetPasswordForm(forms.Form):
    password = _password(_("New password"), "new-password", min_length=MIN_PASSWORD_LENGTH)
    password_again = _password(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
