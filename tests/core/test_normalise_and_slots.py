"""Normalising chat text and finding platform/region slots, typos included."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.normalise import MAX_INPUT_CHARS, clean


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("OPT OUT DESKTOP", "opt out desktop"),
        ("  Hów do I   öpt-out?!  ", "how do i opt out"),
        ("<@123456789012345678> how do i opt out", "how do i opt out"),
        ("<@!1> <#2> <@&3> hi <:blob:1234> <a:dance:5678>", "hi"),
        ("@everyone pleeeeease help", "pleease help"),
        ("**bold** _it_ `code` ~~x~~ > quote", "bold it code x quote"),
        ("I'm here, don't worry", "im here dont worry"),
        ("see https://example.com/x?y=1 and discord.gg/abc", "see and"),
        ("🤖🔥💯", ""),
        ("Straße ZÜRICH", "strasse zurich"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_caps_work_on_huge_input() -> None:
    text = "opt out " * 100_000
    assert len(clean(text).split()) <= 80
    assert len(text[:MAX_INPUT_CHARS]) == MAX_INPUT_CHARS


@pytest.mark.parametrize(
    ("question", "platform", "region"),
    [
        ("how do i opt out on my iphone", "ios", None),
        ("opt out on moblie", "mobile", None),
        ("turn it off on andriod", "android", None),
        ("I'm in Germany", None, "eu"),
        ("im in germnay", None, "eu"),
        ("i live in zurich", None, "ch"),
        ("Suisse", None, "ch"),
        ("living in London", None, "uk"),
        ("does this apply in the US", None, "us"),
        ("can you help us", None, None),
        ("on my laptop and my iphone", None, None),
        ("iphone and android", "mobile", None),
        ("hong kong", None, "hk"),
    ],
)
def test_slots(fixture_engine, question: str, platform: str | None, region: str | None) -> None:
    query = fixture_engine.index.analyse(question)
    assert (query.slots.platform, query.slots.region) == (platform, region)


def test_common_words_are_not_mistaken_for_places(fixture_engine) -> None:
    # 'apply' is one edit from 'apple'-like aliases and 'reset' from 'rest'; known words stay put.
    query = fixture_engine.index.analyse("does this apply to me")
    assert query.slots.platform is None and query.slots.region is None


def test_typos_are_corrected_to_known_words(fixture_engine) -> None:
    index = fixture_engine.index
    assert index.correct("generativ") == "generative"
    assert index.correct("settng") == "setting"
    misspelt = index.analyse("disable generativ ai data settng").content
    assert misspelt == index.analyse("disable generative ai data setting").content


def test_word_forms_meet_through_stemming(fixture_engine) -> None:
    index = fixture_engine.index
    assert index.analyse("opting out").content == index.analyse("opt out").content
    assert index.analyse("trained").content == index.analyse("training").content


def test_a_phrasings_exact_scan_is_reused_only_while_the_aliases_stay_the_same() -> None:
    from dataclasses import replace as dc_replace

    from bot.answering.slots import SlotFinder
    from bot.knowledge import load_knowledge

    kb = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge").kb
    text = "does this apply in the uk"
    first = SlotFinder(kb, frozenset()).find(text, text.split(), exact=True)
    again = SlotFinder(kb, frozenset()).find(text, text.split(), exact=True)
    assert again is first and first.region == "uk"
    uk = dc_replace(kb.regions["uk"], aliases=())  # a reload that removed the UK's names
    changed = dc_replace(kb, regions={**kb.regions, "uk": uk})
    rescanned = SlotFinder(changed, frozenset()).find(text, text.split(), exact=True)
    assert rescanned is not first and rescanned.region != "uk"


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("J'ai désactivé le réglage", "j avoir desactive le reglage"),
        ("je n’ai rien trouvé", "je n avoir rien trouve"),
        ("l'IA de LinkedIn", "l ia de linkedin"),
        ("AI training", "ai training"),
    ],
)
def test_french_have_is_never_read_as_ai(text, cleaned) -> None:
    """ "j'ai" (I have) would leave "ai" once the elided pronoun is split off."""
    assert clean(text) == cleaned
