"""The WorkOS API as this site is configured for it: the client, and what its failures mean."""
