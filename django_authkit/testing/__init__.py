"""Test helpers for sites using django-authkit: an emulator fixture and sign-in helpers."""
