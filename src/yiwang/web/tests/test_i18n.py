"""The English catalogue is complete and its compiled .mo matches the .po (no forgotten msgfmt)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
SINGLE = re.compile(r'^msgid "(.+)"\nmsgstr "(.*)"$', re.MULTILINE)


def test_every_english_string_is_translated_and_compiled():
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    with (CATALOGUE / "django.mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)

    entries = SINGLE.findall(po)
    assert len(entries) > 50
    assert "#, fuzzy\nmsgid" not in po
    for msgid, msgstr in entries:
        assert msgstr, f"untranslated: {msgid}"
        source = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        target = msgstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        assert mo.gettext(source) == target, f"django.mo is stale for {source!r}: run msgfmt"


@pytest.mark.django_db
def test_staff_workbench_in_english(client):
    from yiwang.identity.models import User
    from yiwang.identity.tests.factories import UserFactory

    client.force_login(UserFactory(kind=User.Kind.STAFF))
    client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/"})

    html = client.get("/workbench/").content.decode()

    assert "<h1>Workbench</h1>" in html
    assert "Sign out" in html
    assert "No to-do items" in html
    assert "Demo City One-Network Platform" in html
