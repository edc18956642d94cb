"""JSON endpoints: the browser session's (``session``, ``refresh``, ...) and API mode's."""
