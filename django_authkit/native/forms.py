"""Django forms of the native sign-in pages; subclass them and set ``form_class`` on a view.

Every field carries the ``autocomplete`` hint browsers and password managers
expect, codes are ``inputmode="numeric"`` with ``autocomplete="one-time-code"``,
and nothing secret (pending tokens, factor ids) is ever a field.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_CODE = re.compile(r"^[0-9]{6}$")


def _attrs(autocomplete: str, **extra: str) -> dict[str, str]:
    return {"autocomplete": autocomplete, **extra}


class EmailField(forms.EmailField):
    """An e-mail address, trimmed and lower-cased as WorkOS stores it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("label", "E-mail address")
        kwargs.setdefault(
            "widget",
            forms.EmailInput(attrs=_attrs("email", autocapitalize="none", spellcheck="false")),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return str(super().clean(value)).strip().lower()


class SignInForm(forms.Form):
    email = EmailField()
    password = forms.CharField(
        label="Password",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("current-password")),
    )


class SignUpForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs=_attrs("given-name")),
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs=_attrs("family-name")),
    )
    email = EmailField()
    password = forms.CharField(
        label="Password",
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        help_text=f"At least {MIN_PASSWORD_LENGTH} characters.",
        widget=forms.PasswordInput(attrs=_attrs("new-password")),
    )


class EmailForm(forms.Form):
    """Just an address: send a sign-in code, or a password-reset link."""

    email = EmailField()


class CodeForm(forms.Form):
    """A 6-digit one-time code (e-mailed, or from an authenticator app)."""

    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code.",
        widget=forms.TextInput(
            attrs=_attrs(
                "one-time-code", inputmode="numeric", pattern="[0-9 ]*", autocapitalize="none"
            )
        ),
    )

    def clean_code(self) -> str:
        value = re.sub(r"[\s-]", "", str(self.cleaned_data["code"]))
        if not _CODE.match(value):
            raise forms.ValidationError("Enter the 6-digit code.", code="invalid")
        return value


class OrganizationForm(forms.Form):
    """One of the organizations WorkOS offered; nothing else is accepted."""

    organization_id = forms.ChoiceField(label="Organization", widget=forms.RadioSelect)

    def __init__(self, *args: Any, organizations: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(o.get("id", "")), str(o.get("name") or o.get("id", ""))) for o in organizations
        ]


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        help_text=f"At least {MIN_PASSWORD_LENGTH} characters.",
        widget=forms.PasswordInput(attrs=_attrs("new-password")),
    )
    password_again = forms.CharField(
        label="New password again",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs=_attrs("new-password")),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data.get("password"):
            self.add_error("password_again", "The two passwords differ.")
        return data
