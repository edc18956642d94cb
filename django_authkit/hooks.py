"""What ``on_success`` and ``on_error`` receive (public path of ``signin.hooks``)."""

from __future__ import annotations

from django_authkit.signin.hooks import CallbackError, CallbackResult, resolve

__all__ = ["CallbackError", "CallbackResult", "resolve"]
