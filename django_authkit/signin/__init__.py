"""Signing in: state, PKCE and return paths, the code exchange, the one sign-in pipeline."""
