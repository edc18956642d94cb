"""Why a token is not trusted: one set of exceptions for the key set and the verifier."""

from __future__ import annotations


class InvalidAccessToken(Exception):
    """The token must not be trusted; ``reason`` is safe to log (no token data).

    A ``wrong_issuer`` refusal also carries ``received_issuer`` (the ``iss`` of a token
    whose signature verified, so WorkOS wrote it) and ``accepted_issuers``, so the one
    log line can name the fix; :func:`describe` renders them.
    """

    def __init__(
        self,
        reason: str,
        *,
        received_issuer: str | None = None,
        accepted_issuers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.received_issuer = received_issuer
        self.accepted_issuers = accepted_issuers


class KeysUnavailable(InvalidAccessToken):
    """No usable signing key could be obtained (JWKS unreachable, nothing cached).

    A failure on our side: a session keeps its tokens and verifies again later.
    """


class UnknownKid(InvalidAccessToken):
    """The key set, as fresh as the fetch rules allow, has no key with this ``kid``."""

    def __init__(self, reason: str = "unknown_kid") -> None:
        super().__init__(reason)
