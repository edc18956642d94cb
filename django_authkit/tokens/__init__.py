"""WorkOS access tokens: the shared signing-key set, RS256 verification, app tokens."""
