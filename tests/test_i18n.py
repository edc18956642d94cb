"""Every page in the visitor's language: strings marked, catalogues complete, pages translated.

* Every text a template shows (text nodes, ``alt``/``title``/``aria-label``/
  ``placeholder`` attributes, ``submit_label="..."`` and ``default:"..."`` literals)
  is inside ``{% translate %}``/``{% blocktranslate %}`` or ``_("...")``.
* Every sentence the views, native forms and web responses show is wrapped in
  ``gettext``/``gettext_lazy`` (log lines are not shown to visitors and stay English).
* ``django_authkit/locale`` has a complete catalogue for fr, de, es and ja: every
  message of the sources, none empty or fuzzy, and the compiled ``.mo`` says the same.
* Pages render in the language chosen by ``Accept-Language`` or ``LANGUAGE_CODE``
  (``LocaleMiddleware`` in the settings), with ``<html lang>`` to match.
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.utils import translation

from django_authkit.models import AuthKitSession, Organization

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "django_authkit"
TEMPLATES = PACKAGE / "templates"
LOCALE = PACKAGE / "locale"
#: The scans read the source tree; the wheel test (no source tree) checks the pages only.
SOURCE_TREE = pytest.mark.skipif(
    not (PACKAGE / "conf.py").exists(), reason="scans the source tree's files"
)
LANGUAGES = ("fr", "de", "es", "ja")
#: Modules whose strings reach the visitor's screen (error pages, form errors, titles).
MESSAGE_MODULES = sorted(
    [
        *PACKAGE.glob("views/*.py"),
        *PACKAGE.glob("native/*.py"),
        *PACKAGE.glob("web/*.py"),
        *PACKAGE.glob("api/*.py"),
        *PACKAGE.glob("signin/*.py"),
        PACKAGE / "identity" / "rules.py",
        PACKAGE / "sessions" / "bearer.py",
        PACKAGE / "middleware.py",
        PACKAGE / "decorators.py",
    ]
)
#: Sentences in those modules that are not shown: log lines passed by keyword.
NOT_SHOWN = {
    "Vercel Marketplace",  # a provider's name, as WorkOS spells it
    "WorkOS did not start a password reset (%s).",
    "WorkOS refused to send a magic code (%s).",
    "WorkOS refused to send a sign-up code (%s).",
    "WorkOS refused to send a verification code (%s).",
    "WorkOS refused to send the code again (%s).",
}
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "format_lazy"}  # fmt: skip
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
SENTENCE = re.compile(r"^[A-Z][A-Za-z'-]*[ ,].*[A-Za-z0-9.?!)]\s*$")


# -- templates ------------------------------------------------------------------------


def unmarked_in_template(source: str) -> list[str]:
    """What a template would show untranslated."""
    found: list[str] = []
    text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", source, flags=re.S)
    text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r"{% blocktranslate\b.*?{% endblocktranslate %}", "", text, flags=re.S)
    for tag in re.findall(r"{%.*?%}|{{.*?}}", text, flags=re.S):
        if re.match(r"{% (translate|trans|blocktranslate|blocktrans)\b", tag):
            continue
        # include ... with name="Literal" and the default:"Literal" filter
        found += [v for v in re.findall(r'\b\w+="([^"]*[A-Za-z][^"]*)"', tag)
                  if " with " in tag and not v.startswith("authkit/")]  # fmt: skip
        found += re.findall(r'default:"([^"]*[A-Za-z][^"]*)"', tag)
    text = re.sub(r"{%.*?%}|{{.*?}}", "", text, flags=re.S)
    found += re.findall(r'\b(?:alt|title|aria-label|placeholder)="([^"]*[A-Za-z][^"]*)"', text)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found += [chunk.strip() for chunk in re.split(r"\n\s*\n|\s{2,}", text)
              if re.search(r"[A-Za-z]{2,}", chunk)]  # fmt: skip
    return found


@SOURCE_TREE
def test_the_scanner_finds_unmarked_strings() -> None:
    sample = ('{% load i18n %}<h1>Sign out?</h1><img alt="A QR code">'
              '{% include "x.html" with submit_label="Verify" %}{{ x|default:"Continue" }}'
              '<p>{% translate "Fine" %} {% blocktranslate %}Also {{ fine }}{% endblocktranslate %}'
              '</p>{% comment %}Not shown{% endcomment %}')  # fmt: skip
    assert unmarked_in_template(sample) == ["Verify", "Continue", "A QR code", "Sign out?"]


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
@SOURCE_TREE
def test_every_template_string_is_marked(template: Path) -> None:
    assert unmarked_in_template(template.read_text()) == [], template


# -- view messages ----------------------------------------------------------------------


def unmarked_in_module(source: str) -> list[str]:
    """Sentences in ``source`` outside gettext calls, docstrings and log calls."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for stmt in body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    skip.add(id(stmt.value))  # docstrings and bare strings
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in GETTEXT_NAMES or (isinstance(func, ast.Attribute) and name in LOG_METHODS):
                for inner in ast.walk(node):
                    skip.add(id(inner))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SENTENCE.match(node.value) and node.value not in NOT_SHOWN:
                found.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            head = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if SENTENCE.match(head + "."):
                found.append(ast.unparse(node))
                for inner in ast.walk(node):
                    skip.add(id(inner))
    return found


@SOURCE_TREE
def test_the_module_scanner_finds_unmarked_messages() -> None:
    sample = '''
"""Docstring. Not shown."""
from django.utils.translation import gettext_lazy as _
TITLE = "Sign in"
OK = _("Shown, but translated.")
def view(name):
    logger.info("A log line, not shown (%s).", name)
    return error(f"Invalid {name}.", code="invalid_request")
'''
    assert unmarked_in_module(sample) == ["Sign in", "f'Invalid {name}.'"]


@SOURCE_TREE
@pytest.mark.parametrize("module", MESSAGE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_view_message_is_marked(module: Path) -> None:
    assert unmarked_in_module(module.read_text()) == [], module


# -- admin labels, model labels and system checks -----------------------------------------

#: Modules whose labels and messages reach the admin or ``manage.py check``.
LABEL_MODULES = sorted(
    [*PACKAGE.glob("admin/*.py"), PACKAGE / "checks" / "settings.py",
     PACKAGE / "checks" / "setup.py", PACKAGE / "models.py"]
)  # fmt: skip
#: Keyword arguments and class attributes that name what the admin or a check shows.
LABEL_KEYWORDS = {"verbose_name", "verbose_name_plural", "help_text", "description",
                  "short_description", "label", "msg", "hint"}  # fmt: skip
#: Calls whose first positional argument is shown: check messages and model fields.
CHECK_CALLS = {"Error", "Warning", "Info", "Critical", "Debug"}
#: Calls whose second positional argument is shown (after ``request``).
MESSAGE_CALLS = {"message_user", "success", "error", "warning", "info"}


def _literal(node: ast.AST | None) -> bool:
    """Text written in the source (a string, f-string or concatenation), not a gettext call."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(re.search(r"[a-z]{2}", node.value))  # words
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and (_literal(node.left) or _literal(node.right))


def unmarked_labels(source: str) -> list[str]:
    """Labels, check messages/hints and admin messages given as plain text, not ``_()``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            shown = [k.value for k in node.keywords if k.arg in LABEL_KEYWORDS]
            if name in CHECK_CALLS or name.endswith("Field") or name in ("ForeignKey",
                                                                         "OneToOneField"):
                shown += node.args[:1]
            if name in MESSAGE_CALLS and isinstance(func, ast.Attribute):
                shown += node.args[1:2]
            found += [ast.unparse(v) for v in shown if _literal(v)]
        elif isinstance(node, ast.Assign):
            names = {getattr(t, "id", getattr(t, "attr", "")) for t in node.targets}
            if names & LABEL_KEYWORDS and _literal(node.value):
                found.append(ast.unparse(node.value))
    return found


@SOURCE_TREE
def test_the_label_scanner_finds_unmarked_labels() -> None:
    sample = '''
from django.utils.translation import gettext_lazy as _
class Thing(models.Model):
    name = models.CharField("full name", max_length=9, help_text="Shown in the admin.")
    ok = models.CharField(_("fine"), help_text=_("Fine."))
    class Meta:
        verbose_name = "thing"
@admin.action(description="Do it")
def act(modeladmin, request, queryset):
    modeladmin.message_user(request, f"Did {len(queryset)}.", messages.SUCCESS)
    messages.error(request, _("Translated."))
def check():
    return [Error("Broken.", hint="Fix " + "it.", id="x.E1"), Warning(_("Fine."), hint=_("Ok."))]
'''
    assert sorted(unmarked_labels(sample)) == sorted([
        "'full name'", "'Shown in the admin.'", "'Do it'", "'thing'",
        "f'Did {len(queryset)}.'", "'Fix ' + 'it.'", "'Broken.'",
    ])  # fmt: skip


#: Permission names: Django stores them in the database (as its own "Can add ..."), so the
#: admin shows the stored text whatever the language.
STORED = {"Can send WorkOS password reset e-mails", "Can revoke sessions (here and at WorkOS)"}


@SOURCE_TREE
@pytest.mark.parametrize("module", LABEL_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_admin_label_and_check_message_is_marked(module: Path) -> None:
    source = module.read_text()
    assert unmarked_labels(source) == [], module
    assert [s for s in unmarked_in_module(source) if s not in STORED] == [], module


#: French typography's apostrophe, as the catalogue writes it.
Q = "\u2019"


@pytest.mark.django_db
def test_the_admin_speaks_french(staff: Client, signed_in: Client) -> None:
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = staff.get("/admin/authkit/authkitsession/").content.decode()
    assert '<html lang="fr"' in page, page[:300]
    assert f"Méthode d{Q}authentification" in page, page  # a column (the field's label)
    assert "Révoquer les sessions sélectionnées" in page, page  # an action
    assert "Authentication method" not in page and "Revoke selected" not in page, page
    session = AuthKitSession.objects.get()
    done = staff.post("/admin/authkit/authkitsession/",
                      {"action": "revoke_sessions", "_selected_action": [session.pk]},
                      follow=True).content.decode()  # fmt: skip
    assert "1 session(s) révoquée(s)." in done, done
    organization = staff.get(f"/admin/authkit/organization/{Organization.objects.get().pk}/"
                             "change/").content.decode()  # fmt: skip
    assert f"Délai d{Q}inactivité" in organization, organization  # a field label and its help
    assert f"Secondes avant un délai d{Q}inactivité" in organization, organization


def test_check_messages_follow_the_active_language(settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "CLIENT_IDD": "x", "LINK_BY_EMAIL": True}
    with translation.override("fr"):
        found = {m.id: str(m) for m in run_checks(tags=None) if m.id.startswith("authkit.")}
    assert f"AUTHKIT['CLIENT_IDD'] n{Q}est pas un réglage ; il est ignoré." in found["authkit.E101"]
    assert "Vouliez-vous dire 'CLIENT_ID' ?" in found["authkit.E101"], found
    assert "AUTHKIT['LINK_BY_EMAIL'] est activé" in found["authkit.W007"], found
    english = {m.id: str(m) for m in run_checks() if m.id.startswith("authkit.")}
    assert "AUTHKIT['CLIENT_IDD'] is not a setting; it is ignored." in english["authkit.E101"]


# -- catalogues -------------------------------------------------------------------------


def _po_entries(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid -> (msgstr, fuzzy), for a catalogue without plural forms."""
    entries: dict[str, tuple[str, bool]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
        if not match:
            continue

        def joined(part: str) -> str:
            raw = "".join(re.findall(r'"(.*)"', part))
            return str(ast.literal_eval('"' + raw + '"'))

        entries[joined(match.group(1))] = (joined(match.group(2)), "fuzzy" in block)
    entries.pop("", None)
    return entries


@SOURCE_TREE
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_compiled(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = _po_entries(po)
    assert len(entries) > 100, len(entries)
    untranslated = [m for m, (s, fuzzy) in entries.items() if not s or fuzzy]
    assert untranslated == [], untranslated
    with open(po.with_suffix(".mo"), "rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    stale = [m for m, (s, _) in entries.items() if compiled.gettext(m) != s]
    assert stale == [], f"compile the catalogue again (msgfmt): {stale[:5]}"


@SOURCE_TREE
@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_catalogues_hold_every_message_of_the_sources(tmp_path: Path) -> None:
    copy = tmp_path / "django_authkit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    made = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-location",
         "--ignore", "emulator/*", "--ignore", "testing/*", "--ignore", "client/*",
         "--settings", "tests.settings"],
        cwd=copy, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    extracted = set(_po_entries(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    for language in LANGUAGES:
        shipped = set(_po_entries(LOCALE / language / "LC_MESSAGES" / "django.po"))
        missing = sorted(extracted - shipped)
        assert missing == [], f"{language}: run makemessages and translate {missing}"


# -- pages in each language -------------------------------------------------------------

#: One phrase per page and language, as the catalogues translate it.
SIGN_IN = {"fr": "Se connecter", "de": "Anmelden", "es": "Iniciar sesión", "ja": "サインイン"}
PASSWORD = {"fr": "Mot de passe", "de": "Passwort", "es": "Contraseña", "ja": "パスワード"}
BACK = {"fr": "Retour au site", "de": "Zurück zur Website", "es": "Volver al sitio",
        "ja": "サイトに戻る"}  # fmt: skip


@pytest.fixture
def native(settings: Any) -> None:
    settings.AUTHKIT = {**settings.AUTHKIT, "NATIVE_FORMS": True}
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_follow_accept_language(native: None, language: str) -> None:
    client = Client(headers={"accept-language": f"{language},en;q=0.5"})
    page = client.get("/auth/account/sign-in/").content.decode()
    assert f'<html lang="{language}"' in page, page[:200]
    assert PASSWORD[language] in page and BACK[language] in page, page
    assert ">Password<" not in page and "Back to the site" not in page, page
    providers = client.get("/auth/sign-in/page/").content.decode()
    assert SIGN_IN[language] in providers, providers


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_follow_language_code(native: None, settings: Any, language: str) -> None:
    settings.LANGUAGE_CODE = language
    page = Client().get("/auth/account/password-reset/").content.decode()
    assert f'<html lang="{language}"' in page, page[:200]
    assert BACK[language] in page and "Back to the site" not in page, page


@pytest.mark.django_db
def test_english_stays_the_default(native: None) -> None:
    page = Client().get("/auth/account/sign-in/").content.decode()
    assert '<html lang="en' in page and "Back to the site" in page, page[:300]
