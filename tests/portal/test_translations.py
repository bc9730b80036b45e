"""Every user-facing string has its English translation (Chinese is the source language)."""

import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalog_is_complete():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    assert "#, fuzzy" not in text
    untranslated = []
    for entry in entries:
        msgid = "".join(re.findall(r'"(.*)"', entry.split("msgstr")[0].split("msgid", 1)[-1]))
        strings = re.findall(r'msgstr(?:\[\d\])? ((?:".*"\n?)+)', entry)
        if (
            msgid
            and not entry.lstrip().startswith("#~")
            and any("".join(re.findall(r'"(.*)"', s)) == "" for s in strings)
        ):
            untranslated.append(msgid)
    assert untranslated == []


def test_english_case_list(client, login, db):
    login("shouli01")
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/"})
    html = client.get("/cases/").content.decode()
    assert "Cases" in html and "My tasks" in html and "No cases match." in html
