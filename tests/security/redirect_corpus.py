"""Open-redirect corpus: values for ``next``/``returnTo`` that must never leave the site.

Grouped by technique; each must be refused (the default path is used instead),
and every legitimate value must survive unchanged.
"""

from __future__ import annotations

HOSTILE: list[str] = [
    # absolute URLs and schemes
    "https://evil.test/",
    "http://evil.test",
    "HTTPS://EVIL.TEST/",
    "ftp://evil.test/x",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "javascript://%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "mailto:a@evil.test",
    "http:evil.test",
    "https:/evil.test",
    "http:/\\evil.test",
    # protocol-relative and slash tricks
    "//evil.test",
    "//evil.test/path",
    "///evil.test",
    "////evil.test",
    "/\\evil.test",
    "\\\\evil.test",
    "\\/evil.test",
    "/\\/evil.test",
    "\\evil.test",
    # userinfo and host confusion
    "https://trusted.test@evil.test/",
    "//trusted.test@evil.test",
    "https://evil.test#@trusted",
    "https://evil.test?.trusted.test",
    "@evil.test",
    # whitespace and control characters
    " //evil.test",
    "\t//evil.test",
    "\n//evil.test",
    "/\t/evil.test",
    "/\n/evil.test",
    "/ok\r\nLocation: https://evil.test",
    "/%0d%0aSet-Cookie:x=y\x00",
    "/ok\x00.evil.test",
    "\x0b//evil.test",
    "/\x7f/evil.test",
    "\u3000//evil.test",
    # encodings the browser may decode
    "%2F%2Fevil.test",
    "%5C%5Cevil.test",
    "https:%2F%2Fevil.test",
    "/%09/evil.test".replace("%09", "\t"),
    # Unicode tricks: fullwidth and lookalike slashes, bidi and zero-width characters
    "\uff0f\uff0fevil.test",
    "/\u2215evil.test".replace("/", "\u2215", 1),
    "\u2044\u2044evil.test",
    "/\u202e/evil.test",
    "/\u200b/evil.test",
    "/\ufeff/evil.test",
    "\u2028//evil.test",
    "/\u2029/evil.test",
    # not a path at all / too long
    "evil.test",
    "evil.test/path",
    "",
    "   ",
    "/" + "a" * 3000,
    "?next=//evil.test",
    "#//evil.test",
]

LEGITIMATE: list[str] = [
    "/",
    "/dashboard/",
    "/dashboard/?tab=2",
    "/a/b/c/",
    "/search/?q=caf%C3%A9&page=2",
    "/items/42/edit/",
    "/path#section",
    "/caf%C3%A9/",
    "/ünïcode/path/",
    "/x/?next=/y/",
    "/a;b=c/",
    "/~user/",
    "/api/v1/things?sort=-created",
]
