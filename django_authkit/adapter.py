"""The adapter's public path: ``AUTHKIT["ADAPTER"]`` defaults to ``DefaultAdapter`` here."""

from __future__ import annotations

from django_authkit.identity.adapter import DefaultAdapter, get_adapter
from django_authkit.identity.users import EmailConflict

__all__ = ["DefaultAdapter", "EmailConflict", "get_adapter"]
