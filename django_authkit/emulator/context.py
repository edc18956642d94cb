"""What a route handler may use of the emulator: the type every route module is written against.

The route modules sit below the server: they import this protocol, never
``server``, and ``routes`` (the registration home) imports them. ``server`` only
dispatches on the populated ``routing.router``; no module imports back up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django_authkit.emulator.faults import CallLog, Faults
    from django_authkit.emulator.keys import KeyRing, SigningKey
    from django_authkit.emulator.state import Store


class Deliveries(Protocol):
    """The webhook delivery queue as the control API sees it."""

    def endpoints(self) -> dict[str, Any]: ...
    def enqueue(self, event: dict[str, Any]) -> None: ...
    def wait_idle(self, timeout: float = 5.0) -> bool: ...
    def log(self) -> list[dict[str, Any]]: ...
    def clear_log(self) -> None: ...


class Emulator(Protocol):
    """The transport-independent emulator (implemented by ``server.Emulator``)."""

    client_id: str
    api_key: str
    base_url: str
    store: Store
    faults: Faults
    calls: CallLog
    keys: KeyRing

    @property
    def webhooks(self) -> Deliveries: ...

    @property
    def key(self) -> SigningKey: ...

    @property
    def issuer(self) -> str: ...
