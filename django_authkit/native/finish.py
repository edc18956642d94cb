"""Kept for imports: the sign-in pipeline lives in :mod:`django_authkit.signin`."""

from __future__ import annotations

from django_authkit.signin.pipeline import BACKEND, SignInRefused, complete_sign_in

__all__ = ["BACKEND", "SignInRefused", "complete_sign_in"]
