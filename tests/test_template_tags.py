"""``{% load authkit %}`` renders sign-in links and a CSRF-protected sign-out form."""

from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory


def _render(source: str, path: str = "/page/?a=1") -> str:
    request = RequestFactory().get(path)
    return Template("{% load authkit %}" + source).render(
        Context({"request": request, "csrf_token": "tok123"})
    )


def test_sign_in_url_returns_to_the_current_page() -> None:
    assert _render("{% authkit_sign_in_url %}") == "/auth/sign-in/?next=%2Fpage%2F%3Fa%3D1"


def test_sign_in_url_with_explicit_next_and_hint() -> None:
    html = _render('{% authkit_sign_in_url next="/x/" login_hint="a@b.c" %}')
    assert html == "/auth/sign-in/?login_hint=a%40b.c&amp;next=%2Fx%2F"


def test_sign_in_url_drops_an_unsafe_next() -> None:
    assert _render('{% authkit_sign_in_url next="https://evil.test/" %}') == "/auth/sign-in/"


def test_sign_up_url() -> None:
    assert _render('{% authkit_sign_up_url next="/" %}') == "/auth/sign-up/?next=%2F"


def test_sign_out_form_posts_with_csrf() -> None:
    html = _render('{% authkit_sign_out_form label="Log out" next="/bye/" %}')
    assert 'method="post"' in html and 'action="/auth/sign-out/"' in html
    assert 'name="csrfmiddlewaretoken" value="tok123"' in html
    assert 'name="next" value="/bye/"' in html
    assert ">Log out</button>" in html
