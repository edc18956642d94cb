"""Smoke test of an installed wheel: sign in through the emulator, outside the source tree.

Run by scripts/package_smoke.sh in a fresh virtualenv; fails if the wheel lacks
a module, a template (the native sign-in pages included), a data file, a migration,
the emulator or the pytest plugin. ``argv[1]``, when given, lists the package's
non-Python files in the source tree (``git ls-files``): each must be installed.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import django
from django.conf import settings
from django.urls import include, path

urlpatterns: list[object] = []  # filled once settings exist


def main() -> None:
    settings.configure(
        SECRET_KEY="package-smoke-test-secret-key-0123456789-abcdefghijklmnop",
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.sessions", "django.contrib.admin",
                        "django.contrib.messages", "django_authkit"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "django_authkit.middleware.AuthKitMiddleware"],
        AUTHENTICATION_BACKENDS=["django_authkit.backends.AuthKitBackend"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True, "OPTIONS": {"context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages"]}}],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        AUTHKIT={"NATIVE_FORMS": True, "WEBHOOK_SECRET": "whsec_package_smoke"},
    )
    django.setup()
    urlpatterns.append(path("auth/", include("django_authkit.urls")))
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    import django_authkit
    from django_authkit.emulator import EmulatorServer
    from django_authkit.testing.flow import sign_in_through_emulator

    assert "site-packages" in (django_authkit.__file__ or ""), django_authkit.__file__
    installed = Path(django_authkit.__file__ or "").parent
    check_data_files(installed, sys.argv[1] if len(sys.argv) > 1 else None)
    check_templates(installed)
    check_translations(installed)
    plugins = {e.value for e in metadata.entry_points(group="pytest11")}
    assert "django_authkit.testing.plugin" in plugins, plugins

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("makemigrations", "authkit", "--check", "--dry-run", verbosity=0)
    emu = EmulatorServer(port=0).start()
    try:
        settings.AUTHKIT.update(CLIENT_ID=emu.client_id, API_KEY=emu.api_key,
                                API_BASE_URL=emu.url)
        emu.control.configure(redirect_uris=["http://testserver/auth/callback/"])
        client = Client()
        response = sign_in_through_emulator(client, emu, email="smoke@example.test")
        assert response.status_code == 302, response.content[:300]
        assert get_user_model().objects.filter(email="smoke@example.test").exists()
        assert client.get("/auth/sign-out/").status_code == 200  # a packaged template
        client.post("/auth/sign-out/")
        check_every_url(Client())
    finally:
        emu.stop()
    print(f"package smoke: signed in with django-authkit {django_authkit.__version__} "
          f"from {django_authkit.__file__}")


def check_data_files(installed: Path, listing: str | None) -> None:
    """Every non-Python file of the source package is installed (package data by construction)."""
    if listing is None:
        return
    expected = {line.strip().removeprefix("django_authkit/")
                for line in Path(listing).read_text().splitlines() if line.strip()}
    missing = sorted(name for name in expected if not (installed / name).is_file())
    assert not missing, f"the wheel lacks {missing}"
    print(f"package smoke: {len(expected)} data files installed")


def check_templates(installed: Path) -> None:
    """Every installed template compiles through the site's template engine."""
    from django.template.loader import get_template

    root = installed / "templates"
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*.html"))
    assert any(n.startswith("authkit/native/") for n in names), names
    for name in names:
        get_template(name)
    emulator = sorted((installed / "emulator" / "templates").glob("*.html"))
    assert emulator, "the emulator's pages are missing"
    print(f"package smoke: {len(names)} templates compile, {len(emulator)} emulator pages")


def check_translations(installed: Path) -> None:
    """The compiled catalogues are installed and Django finds them."""
    from django.utils import translation

    for language, sign_out in {"fr": "Se déconnecter", "de": "Abmelden",
                               "es": "Cerrar sesión", "ja": "サインアウト"}.items():
        assert (installed / "locale" / language / "LC_MESSAGES" / "django.mo").is_file(), language
        with translation.override(language):
            assert translation.gettext("Back to the site") != "Back to the site", language
            assert translation.gettext("Sign out") == sign_out, language
    print("package smoke: translations fr, de, es, ja installed")


def check_every_url(client: object) -> None:
    """GET and POST every AuthKit URL anonymously: nothing answers 500 (native pages on)."""
    from django.test import Client
    from django.urls import URLPattern, URLResolver, get_resolver

    assert isinstance(client, Client)
    routes: list[str] = []

    def walk(patterns: list[object], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                routes.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "/")
    assert "/auth/account/sign-in/" in routes, routes
    for route in routes:
        for method in (client.get, client.post):
            status = method(route).status_code
            assert status < 500, (method.__name__, route, status)
    native = client.get("/auth/account/sign-in/")
    assert native.status_code == 200 and b"<form" in native.content, native.status_code
    print(f"package smoke: {len(routes)} URLs answer GET and POST without a 500")


if __name__ == "__main__":
    sys.exit(main())
