"""JSON endpoints: the browser session's and API mode's (SPAs and mobile apps).

* :mod:`.session`: ``session``, ``refresh``, ``access-token``, ``providers``, ``csrf``, OpenAPI.
* :mod:`.mode`: API mode's ``api-callback`` and ``api-refresh`` (tokens in JSON, no cookie).
"""

from __future__ import annotations

__all__: list[str] = []
