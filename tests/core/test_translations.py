"""Translations: validated with file:line, stale ones fall back to English, and the engine
answers in the language asked for or written in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering import Engine
from bot.answering.compose import NOT_ANSWERED_IN
from bot.answering.languages import choose_language, from_locale
from bot.answering.normalise import clean
from bot.knowledge import load_knowledge
from bot.knowledge.translations import english_hash
from bot.presentation.text import to_json_dict


def _write(kb_dir: Path, body: str) -> Path:
    folder = kb_dir / "translations"
    folder.mkdir(exist_ok=True)
    path = folder / "de.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _german(kb_copy: Path, *, turn_off_from: str | None = None, steps: int = 4) -> str:
    kb = load_knowledge(kb_copy).kb
    assert kb is not None
    turn_off = kb.entries["turn-off"]
    step = '"Schritt"'
    return (
        "translation:\n"
        "  language: de\n"
        "  ui:\n"
        '    covers: "Was das abdeckt"\n'
        "  messages:\n"
        '    decline: "Das weiß ich leider nicht."\n'
        "  entries:\n"
        "    turn-off:\n"
        f'      from: "{turn_off_from or english_hash(turn_off)}"\n'
        '      title: "So schalten Sie das KI-Training aus"\n'
        '      answer: "Schalten Sie **Daten zur Verbesserung generativer KI** aus."\n'
        "      steps:\n"
        f"        desktop: [{', '.join([step] * steps)}]\n"
        f"        mobile: [{', '.join([step] * 4)}]\n"
    )


def test_a_fresh_translation_answers_in_german(kb_copy: Path) -> None:
    _write(kb_copy, _german(kb_copy))
    result = load_knowledge(kb_copy)
    assert result.kb is not None, [str(p) for p in result.errors]
    engine = Engine(result.kb)
    answer = engine.answer("how do I opt out", lang="de")
    assert answer.lang == "de" and answer.notice is None
    assert answer.title == "So schalten Sie das KI-Training aus"
    assert answer.steps[0].steps[0] == "Schritt"
    assert to_json_dict(answer)["lang"] == "de"
    # An entry with no German text falls back to English and says so in one line.
    other = engine.answer_entry("private-messages", lang="de")
    assert other.lang == "en" and "German" in (other.notice or "")
    # Declines use the translated message.
    assert engine.answer("zzzz qqqq", lang="de").body == "Das weiß ich leider nicht."


def test_missing_translations_are_warnings_with_a_line(kb_copy: Path) -> None:
    path = _write(kb_copy, _german(kb_copy))
    result = load_knowledge(kb_copy)
    warnings = [str(p) for p in result.warnings]
    assert any(
        "translations/de.yaml" in w and "'private-messages' has no German" in w for w in warnings
    ), warnings
    assert path.exists()


def test_a_stale_translation_warns_and_falls_back(kb_copy: Path) -> None:
    _write(kb_copy, _german(kb_copy, turn_off_from="00000000"))
    result = load_knowledge(kb_copy)
    assert result.kb is not None
    stale = [str(p) for p in result.warnings if "English changed" in p.message]
    assert stale and "translations/de.yaml:9" in stale[0], stale
    answer = Engine(result.kb).answer_entry("turn-off", lang="de")
    assert answer.lang == "en" and answer.notice


def test_step_count_must_match_the_english(kb_copy: Path) -> None:
    _write(kb_copy, _german(kb_copy, steps=3))
    result = load_knowledge(kb_copy)
    assert result.kb is not None
    assert any("3 desktop steps, the English has 4" in p.message for p in result.warnings)
    answer = Engine(result.kb).answer_entry("turn-off", platform="desktop", lang="de")
    assert answer.title.startswith("So schalten")  # the rest is German...
    assert answer.steps[0].steps[0] == "Click Me"  # ...but the steps stay English


def test_over_the_limits_and_unknown_ids_are_errors(kb_copy: Path) -> None:
    body = _german(kb_copy).replace('"So schalten Sie das KI-Training aus"', '"' + "x" * 201 + '"')
    body += '    no-such-entry:\n      from: "1"\n      title: "t"\n      answer: "a"\n'
    body += '  platforms:\n    tablet: "Tablet"\n'
    _write(kb_copy, body)
    result = load_knowledge(kb_copy)
    errors = [str(p) for p in result.errors]
    assert result.kb is None
    assert any("de.yaml:10" in e and "limit is 200" in e for e in errors), errors
    assert any("unknown entry 'no-such-entry'" in e for e in errors), errors
    assert any("unknown platform 'tablet'" in e for e in errors), errors


@pytest.mark.parametrize(
    ("text", "forced", "default", "lang"),
    [
        ("wie schalte ich das KI-Training aus", None, None, "de"),
        ("comment désactiver l'entraînement de l'IA", None, None, "fr"),
        ("how do I opt out", None, "de", "en"),  # clear English stays English
        ("LinkedIn KI", None, "de", "de"),  # no clear evidence: the server's default
        ("LinkedIn KI", None, None, "en"),
        ("how do I opt out", "fr", None, "fr"),  # a locale wins
        ("how do I opt out", "ja", None, "en"),  # a locale we have no text for
        ("eu quero desativar o treino", None, None, "en"),  # Portuguese: no translation
        # Spanish "por" is Portuguese too; Portuguese is no rival we could answer in.
        ("enlace directo por favor", None, None, "es"),
        # Spanish and Italian share "un" and "al": plainly not English, the Italian words decide.
        ("Posso presentare un reclamo al Garante?", None, None, "it"),
    ],
)
def test_choose_language(text, forced, default, lang) -> None:
    assert choose_language(text, clean(text).split(), forced, default) == lang


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("de", "de"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("fr", "fr"),
        ("nl", "nl"),
        ("it", "it"),
        ("en-US", "en"),
        ("pt-BR", "en"),
        (None, None),
    ],
)
def test_discord_locales(locale, lang) -> None:
    assert from_locale(locale) == lang


def test_every_layout_word_can_be_translated() -> None:
    from bot.knowledge.translations import UI_KEYS
    from bot.presentation.labels import UI_DEFAULTS

    assert set(UI_KEYS) == set(UI_DEFAULTS)


SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def shipped_engine() -> Engine:
    result = load_knowledge(SHIPPED)
    assert result.kb is not None and not result.warnings, [str(p) for p in result.problems]
    return Engine(result.kb)


@pytest.mark.parametrize(
    ("lang", "menu_label", "field_word"),
    [
        ("fr", "Confidentialité des données", "Ce que cela n'arrête pas"),
        ("de", "Daten zur Verbesserung generativer KI", "Was es nicht stoppt"),
        ("nl", "Gegevens voor verbetering van generatieve AI", "Wat het niet tegenhoudt"),
        ("es", "Datos para la mejora de la IA generativa", "Lo que no detiene"),
        ("it", "Dati per migliorare l'IA generativa", "Cosa non ferma"),
    ],
)
def test_shipped_howto_in_each_language(shipped_engine, lang, menu_label, field_word) -> None:
    """Every shipped translation is fresh: the steps name that language's menu labels and the
    phone layout's own words are in it too."""
    from bot.presentation.phone import details_layout, first_layout

    answer = shipped_engine.answer_entry("turn-off", platform="desktop", region="eu", lang=lang)
    assert answer.lang == lang and answer.notice is None
    assert any(menu_label in step for group in answer.steps for step in group.steps)
    first = first_layout(answer)
    assert field_word in [f.name for f in first.fields]
    assert "Direct link" not in first.description and "Last checked" not in first.footer
    assert not details_layout(answer).title.startswith("Details: ") or lang in ("de", "nl")


def test_german_dates_are_not_sentence_ends() -> None:
    from bot.presentation.phone import sentences

    text = "Erfasst seit **3. Nov 2025**: der Schalter ist an. Zweiter Satz. Dritter."
    assert sentences(text, 1, 300) == "Erfasst seit **3. Nov 2025**: der Schalter ist an."
    assert sentences("Voir z. B. Art. 6 RGPD. Ensuite.", 1, 300) == "Voir z. B. Art. 6 RGPD."


def test_a_phrasings_file_not_named_after_a_language_is_a_warning(kb_copy: Path) -> None:
    (kb_copy / "phrasings").mkdir(exist_ok=True)
    (kb_copy / "phrasings" / "extra.yaml").write_text(
        'phrasings:\n  turn-off:\n    - "wie mache ich das weg bitte"\n', encoding="utf-8"
    )
    result = load_knowledge(kb_copy)
    assert result.kb is not None
    warnings = [str(p) for p in result.problems if p.severity == "warning"]
    assert any("extra.yaml" in w and "not a language code" in w for w in warnings), warnings
    entry = result.kb.entries["turn-off"]
    assert entry.example_lang(entry.examples.index("wie mache ich das weg bitte")) == "en"


@pytest.mark.parametrize(
    ("question", "entry", "platform"),
    [
        ("como faço para desligar o treino de IA do LinkedIn no telemóvel?", "turn-off", "mobile"),
        ("desativar a IA do linkedin pelo computador", "turn-off", "desktop"),
        ("o LinkedIn usa minhas mensagens privadas para treinar a IA?", "private-messages", None),
        ("quais dados meus o linkedin usa pra treinar a ia?", "data-used", None),
    ],
)
def test_portuguese_is_understood_and_answered_in_english(
    shipped_engine: Engine, question: str, entry: str, platform: str | None
) -> None:
    """Portuguese has phrasings (knowledge/phrasings/pt.yaml) but no answer text yet."""
    answer = shipped_engine.answer(question)
    assert (answer.outcome, answer.entry_id, answer.platform) == ("answer", entry, platform)
    assert answer.lang == "en"
    assert answer.notice == NOT_ANSWERED_IN["pt"]  # says, in Portuguese, why it is English


def test_the_not_answered_in_line_is_only_for_languages_without_answers(shipped_engine) -> None:
    """English and the five answer languages never get it; neither does small talk (one short
    line); a Portuguese Discord locale gets it even for a question too short to tell."""
    for question in ("how do I opt out on my phone?", "comment désactiver l'IA de LinkedIn ?"):
        assert shipped_engine.answer(question).notice is None
    assert not shipped_engine.answer("obrigado!").notice
    assert shipped_engine.answer("opt out?", lang="pt-BR").notice == NOT_ANSWERED_IN["pt"]
    assert shipped_engine.answer("opt out?", lang="en-US").notice is None
    declined = shipped_engine.answer("qual é a previsão do tempo para amanhã em lisboa?")
    assert declined.outcome == "decline" and declined.notice == NOT_ANSWERED_IN["pt"]


def test_portuguese_phrasings_are_read_as_portuguese(shipped_engine: Engine) -> None:
    """Kept as 'pt' (not 'en'), so their everyday words never pass for brand names that only
    the off-topic entries know (those are read from the English phrasings)."""
    kb = shipped_engine.kb

    def words_of(lang: str) -> set[str]:
        return {
            word
            for e in kb.entries.values()
            for k, text in enumerate(e.examples)
            if e.example_lang(k) == lang
            for word in clean(text).split()
        }

    portuguese_only = words_of("pt") - words_of("en")
    assert portuguese_only  # "senha", "definições"... (none if no phrasing were kept as "pt")
    assert not {n for n in shipped_engine.index._catcher_names if n in portuguese_only}


def test_a_message_in_a_script_the_bot_cannot_read_is_told_which_languages_it_reads(
    shipped_engine: Engine,
) -> None:
    """Japanese or Cyrillic text declines with the languages the bot reads, not with "I don't
    know that one" (which says the topic is unknown); Latin-script text never gets it."""
    from bot.answering.languages import mostly_unread_script

    unread = shipped_engine.kb.messages["unread_script"].strip()
    for text in (
        "LinkedInの生成AIトレーニングを止めるには?",
        "Как отключить обучение ИИ в LinkedIn?",
    ):
        assert mostly_unread_script(text)
        answer = shipped_engine.answer(text)
        assert answer.outcome == "decline" and answer.body == unread
    for text in ("Jak wyrazić sprzeciw wobec trenowania AI LinkedIn?", "qual è il tempo domani"):
        assert not mostly_unread_script(text)
        assert shipped_engine.answer(text).body != unread
    assert not mostly_unread_script("AI?")  # too few letters to tell
