"""Helpers of the web layer: JSON and error responses, CSRF, the extra sign-in entry points."""
