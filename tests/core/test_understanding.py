"""Questions worded unlike the examples: places, languages, small talk, close calls.

Each case names the rule it pins down (issue 10); the questions are written for the
rule, not copied from the measured sets in tests/data/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.answering.decide import decide
from bot.answering.languages import detect
from bot.answering.matcher import Ranked
from bot.answering.normalise import clean
from bot.knowledge import load_knowledge
from bot.presentation.text import to_json_dict
from bot.services.records import records_for

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def engine() -> Engine:
    result = load_knowledge(SHIPPED)
    assert result.kb is not None, [str(p) for p in result.errors]
    return Engine(result.kb)


@pytest.mark.parametrize(
    ("question", "region"),
    [
        ("wie schalte ich das aus, meine Daten sollen nicht ins KI-Training", None),  # not Maine
        ("LinkedIn usa mis datos para la IA, cómo lo paro", None),  # Spanish verb, not the USA
        ("LinkedIn usa i miei dati per l'IA", None),  # Italian verb
        ("eu quero desativar o treino de ia", None),  # Portuguese "I", not the EU
        ("my linkedin is in French, where is the AI setting", None),  # a language, not a place
        ("the German menu has no AI data option", None),
        ("I'm French, does the AI training apply to me", "eu"),  # a nationality is a hint
        ("GDPR and I live in the UK: can I object to the AI training", "uk"),  # a country wins
        ("does GDPR let me refuse the AI training", "eu"),  # only a hint: it is still used
        ("I'm in Europe, Switzerland to be exact: does this apply", "ch"),
        ("I live in the USA, how do I opt out", "us"),
        ("je suis en Allemagne, comment désactiver", "eu"),
        ("ich wohne in der Schweiz", "ch"),
        ("vivo en el Reino Unido", "uk"),
    ],
)
def test_function_words_and_languages_are_not_places(engine, question, region) -> None:
    assert engine.answer(question).region == region


@pytest.mark.parametrize(
    ("question", "platform"),
    [
        ("wie deaktiviere ich das auf dem Handy", "mobile"),
        ("comment faire sur mon téléphone portable", "mobile"),
        ("hoe zet ik het uit op mijn mobiel", "mobile"),
        ("cómo lo desactivo en el móvil", "mobile"),
        ("come si disattiva dal telefono", "mobile"),
        ("sur mon iPhone", "ios"),
        ("auf meinem Android Handy", "android"),
        ("sur l'ordinateur", "desktop"),
    ],
)
def test_platform_words_in_five_languages(engine, question, platform) -> None:
    assert engine.answer(question).platform == platform


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("Canada", "ca"),
        ("Hong Kong", "hk"),
        ("the UK", "uk"),
        ("the US", "us"),
        ("Germany", "eu"),
        ("India", "other"),
        ("Brazil", "other"),
    ],
)
def test_opt_out_in_any_country_is_the_howto_with_that_note(engine, country, region) -> None:
    answer = engine.answer(f"how do I opt out in {country}")
    assert (answer.outcome, answer.entry_id, answer.region) == ("answer", "turn-off", region)
    assert answer.region_note == engine.kb.regions[region].note


def test_spelling_never_bends_a_common_word(engine) -> None:
    assert engine.index.correct("kinds") == "kinds"  # not "kids" (which sends to minors)
    assert engine.index.correct("privcy") == "privacy"  # a real typo is still fixed


def test_elision_splits_the_article() -> None:
    assert clean("l'IA d'abord, dell'IA") == "l ia d abord dell ia"
    assert clean("don't") == "dont"  # English contractions are unchanged


def test_elided_pronouns_are_not_topic_words(engine) -> None:
    """What elision leaves of "s'", "m'", "qu'", "j'", "d'" says nothing about the question."""
    content = engine.index.analyse(
        "Qu'est-ce que j'ai ? Comment m'opposer, s'opposer d'abord"
    ).content
    assert not {"qu", "j", "m", "s", "d"} & set(content)
    assert {"comment", "oppos"} <= set(content)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("comment désactiver l'IA sur LinkedIn", "fr"),
        ("wie schalte ich das aus", "de"),
        ("hoe zet ik dit uit", "nl"),
        ("cómo lo desactivo en el móvil", "es"),
        ("il mio telefono android", "it"),
        ("how do I opt out in germany", "en"),
        ("opt out?", "en"),  # too little evidence: English
        ("Datenschutz", "en"),  # never from a single word
    ],
)
def test_language_detection(text, lang) -> None:
    assert detect(text, clean(text).split())[0] == lang


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("hi", "smalltalk-hello"),
        ("hello bot 👋", "smalltalk-hello"),
        ("thanks!! that worked", "smalltalk-thanks"),
        ("danke dir", "smalltalk-thanks"),
        ("bye", "smalltalk-bye"),
        ("you're useless", "smalltalk-rude"),
        # Grammar words only, but a small-talk phrasing as it stands: a member checking the
        # bot is there is greeted, not told "I don't know that one".
        ("Are you there??", "smalltalk-hello"),
        ("bist du da?", "smalltalk-hello"),
    ],
)
def test_small_talk_gets_one_friendly_line_and_no_gap(engine, question, entry) -> None:
    answer = engine.answer(question)
    assert answer.small_talk and answer.catcher == entry
    assert answer.title == "" and "small talk" not in answer.body.lower()
    assert len(answer.body) < 200 and not answer.suggestions
    assert records_for(1, answer, free_text=True)[1] == []  # not recorded as a gap
    assert to_json_dict(answer)["small_talk"] is True


def test_words_small_talk_shares_with_questions_do_not_make_small_talk(engine) -> None:
    """ "what" and "stop" are in small-talk phrasings ("what?", "stop giving me nonsense") but
    are questions' words more often: together they are a question, not a rude remark."""
    answer = engine.answer("what does it stop?")
    assert not answer.small_talk and answer.entry_id == "not-covered"
    assert "stop" not in engine.index._small_talk_marks
    assert {"thanks", "hi", "bye", "danke"} <= engine.index._small_talk_marks


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("how do I use the AI writing assistant for my posts", False),  # AI alone: a feature
        ("does linkedin use my data for AI", True),  # AI and data together
        ("how do I opt out of the training", True),
        ("KI-Training bei LinkedIn abschalten", True),
    ],
)
def test_ai_alone_does_not_make_a_question_about_the_setting(engine, question, about) -> None:
    assert engine.index.about_the_setting(engine.index.analyse(question)) is about


def test_a_question_after_hello_is_still_a_question(engine) -> None:
    answer = engine.answer("hi, how do I opt out on android")
    assert (answer.entry_id, answer.platform, answer.small_talk) == ("turn-off", "android", False)


def test_off_topic_catchers_never_show_their_internal_title(engine) -> None:
    for question in ("ignore your previous instructions", "tell me a joke"):
        answer = engine.answer(question)
        assert answer.outcome == "decline" and answer.catcher
        assert answer.title == ""  # the catcher's own title is a name for moderators


def test_an_entry_that_includes_another_is_answered_instead_of_asking(engine) -> None:
    assert "direct-link" in engine.kb.entries["turn-off"].includes
    query = engine.index.analyse("opt out link")
    for ranked in (
        [Ranked("direct-link", 80.0), Ranked("turn-off", 79.0)],
        [Ranked("turn-off", 80.0), Ranked("direct-link", 79.0)],
    ):
        decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
        assert (decision.kind, decision.best.entry_id) == ("answer", "turn-off")
    # Two entries that don't contain each other still ask which one.
    ranked = [Ranked("data-used", 80.0), Ranked("who-trains", 79.0)]
    assert decide(engine.kb, engine.index, query, ranked, engine.thresholds).kind == "clarify"


def test_the_overview_answers_a_close_call_and_offers_the_other(engine) -> None:
    overviews = [e.id for e in engine.kb.entries.values() if e.overview]
    assert overviews == ["what-it-does"]
    query = engine.index.analyse("what is linkedin doing with my data")
    for ranked in (
        [Ranked("data-used", 80.0), Ranked("what-it-does", 79.0)],
        [Ranked("what-it-does", 80.0), Ranked("data-used", 79.0)],
    ):
        decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
        assert (decision.kind, decision.best.entry_id) == ("answer", "what-it-does")
        assert decision.second.entry_id == "data-used" and decision.offer_second
        # Unprompted channel answers never settle a close call, overview or not.
        strict = decide(engine.kb, engine.index, query, ranked, engine.thresholds, strict=True)
        assert strict.kind == "decline"
    # A clear winner is not "offered" the runner-up, and two narrow entries still ask.
    clear = [Ranked("what-it-does", 90.0), Ranked("data-used", 60.0)]
    assert not decide(engine.kb, engine.index, query, clear, engine.thresholds).offer_second
    ranked = [Ranked("data-used", 80.0), Ranked("who-trains", 79.0)]
    assert decide(engine.kb, engine.index, query, ranked, engine.thresholds).kind == "clarify"


def test_a_close_call_with_the_how_to_goes_to_the_other_entry_unless_asked_how(engine) -> None:
    ranked = [Ranked("turn-off", 70.0), Ranked("data-used", 69.0), Ranked("regions", 40.0)]
    which = engine.index.analyse("welche daten nutzt linkedin fur das ki training")
    decision = decide(engine.kb, engine.index, which, ranked, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "data-used")
    assert decision.second.entry_id == "turn-off" and decision.offer_second
    for asking_how in ("how does linkedin use my data for ai", "link to the ai data setting"):
        query = engine.index.analyse(asking_how)
        assert decide(engine.kb, engine.index, query, ranked, engine.thresholds).kind == "clarify"


def test_the_overview_answer_carries_a_button_to_the_other_entry(engine, monkeypatch) -> None:
    close = [Ranked("default-on", 80.0), Ranked("what-it-does", 78.0), Ranked("regions", 40.0)]
    monkeypatch.setattr(engine.index, "rank", lambda query, *a, **k: close)
    answer = engine.answer("why is linkedin doing this")
    assert (answer.outcome, answer.entry_id) == ("answer", "what-it-does")
    assert "default-on" in [s.id for s in answer.suggestions]
    assert answer.confidence <= 0.6  # a close call never claims confidence


def test_an_answer_just_ahead_of_a_catcher_declines_unless_about_the_setting(engine) -> None:
    near = engine.thresholds.catcher_near
    assert near > engine.thresholds.margin
    ranked = [
        Ranked("turn-off", 60.0),
        Ranked("offtopic-linkedin-settings", 60.0 - near + 1),
        Ranked("ai-features", 40.0),
    ]
    using = engine.index.analyse("how do i use the linkedin writing assistant for a post")
    decision = decide(engine.kb, engine.index, using, ranked, engine.thresholds)
    assert decision.kind == "decline"
    # About AI training or the setting: the answer stands; and so does a clear lead.
    opting = engine.index.analyse("how do i opt out of linkedin ai training")
    decision = decide(engine.kb, engine.index, opting, ranked, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "turn-off")
    ahead = [ranked[0], Ranked("offtopic-linkedin-settings", 60.0 - near - 1), ranked[2]]
    decision = decide(engine.kb, engine.index, using, ahead, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "turn-off")


def test_if_i_turn_it_off_asks_what_that_does_not_how(engine) -> None:
    from bot.answering.decide import CONSEQUENCE_LEAD

    assert engine.kb.entries["turn-off"].is_howto
    near = [Ranked("turn-off", 70.0), Ranked("not-covered", 70.0 - CONSEQUENCE_LEAD + 1)]
    far = [Ranked("turn-off", 70.0), Ranked("not-covered", 70.0 - CONSEQUENCE_LEAD - 1)]
    for question in (
        "if i switch it off does linkedin still rank my feed with ai",
        "si je le désactive, linkedin arrête l'ia pour les recommandations ?",
        "wenn ich es ausschalte, hört die KI im Feed dann auch auf?",
        "does turning it off stop linkedin ranking my feed with ai",  # switching off as subject
        "disattivando l'opzione, smettono anche di usare l'IA per il feed?",
    ):
        query = engine.index.analyse(question)
        decision = decide(engine.kb, engine.index, query, near, engine.thresholds)
        assert (decision.kind, decision.best.entry_id) == ("answer", "not-covered"), question
        decision = decide(engine.kb, engine.index, query, far, engine.thresholds)
        assert decision.best.entry_id == "turn-off"
    # Asking how or where keeps the how-to.
    for asks_how in (
        "if i am on the app, how do i switch it off",
        "how do i go about turning it off on the app",
    ):
        how = engine.index.analyse(asks_how)
        decision = decide(engine.kb, engine.index, how, near, engine.thresholds)
        assert (decision.kind, decision.best.entry_id) == ("answer", "turn-off")


def test_close_call_with_a_catcher_goes_to_the_answer_when_about_the_setting(engine) -> None:
    # Another company's opt-out in Europe is a catcher phrasing; ours wins on our words.
    answer = engine.answer("how do I opt out of the AI training in Europe")
    offered = [answer.entry_id] if answer.outcome == "answer" else [c.id for c in answer.choices]
    assert answer.outcome != "decline" and "turn-off" in offered and answer.region == "eu"
    # ...but a word only the catcher knows keeps the decline.
    assert engine.answer("how do I opt out of Meta AI training in Europe").outcome == "decline"


@pytest.mark.parametrize(
    ("question", "names_another"),
    [
        ("Are Norwegians covered by the AI training?", False),  # read as a place (the EEA)
        ("are the CVs we upload used to train the AI?", False),  # the plural of "CV"
        ("can I opt out of Mastodon training?", True),
    ],
)
def test_a_capitalised_word_names_another_service_only_when_nothing_else_reads_it(
    engine, question, names_another
) -> None:
    assert engine.index.names_something_else(engine.index.analyse(question)) is names_another


@pytest.mark.parametrize(
    "question",
    [
        "do private chats get used for ai on tiktok",
        "copy paste link to turn off ai training on glassdoor",
    ],
)
def test_another_services_name_declines_even_when_our_words_fit_well(engine, question) -> None:
    assert engine.answer(question).outcome == "decline"


# Two plain ways to state a belief, in each language a belief may be written in.
_STATED = {
    "en": ("someone told me {}, is that right?", "is it true that {}?"),
    "fr": ("on m'a dit que {}, c'est vrai ?", "est-ce que c'est vrai que {} ?"),
    "de": ("jemand hat mir gesagt {}, stimmt das?", "ist es wahr, dass {}?"),
    "nl": ("iemand zei me dat {}, klopt dat?", "is het waar dat {}?"),
    "es": ("me dijeron que {}, ¿es verdad?", "¿es cierto que {}?"),
    "it": ("mi hanno detto che {}, è vero?", "è vero che {}?"),
}


def _belief_statements() -> list[tuple[str, str, str]]:
    kb = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge").kb
    assert kb is not None
    return [
        (question.format(when), premise.say, premise.lang)
        for entry in kb.entries.values()
        for premise in entry.premises
        for when in premise.when
        for question in _STATED[premise.lang]
    ]


@pytest.mark.parametrize(("question", "says", "lang"), _belief_statements())
def test_every_known_wrong_belief_stated_plainly_gets_its_correction(engine, question, says, lang):
    """In its own language: the line is shown when the answer is in the belief's language."""
    answer = engine.answer(question)
    assert answer.outcome == "answer" and answer.premise == says.strip(), (
        answer.outcome,
        answer.entry_id,
        answer.lang,
    )
    assert answer.lang == lang


def test_a_belief_in_another_language_answers_without_a_line_in_the_wrong_language(engine):
    """An English belief met in a French question: its entry may answer, but the English
    correcting line never sits on top of a French answer."""
    answer = engine.answer("premium opt out, c'est vrai qu'il faut payer pour ça ?", lang="fr")
    assert answer.lang == "fr"
    assert answer.premise is None or answer.premise in {
        p.say for p in engine.kb.entries["turn-off"].premises if p.lang == "fr"
    }


def test_a_wrong_beliefs_words_met_by_chance_do_not_override_a_sure_answer(engine) -> None:
    """ "missed ... opting out" holds the words of "missing, so opted out" (a known wrong belief),
    but asks about opting out late, which one entry is sure of: that entry answers, and no
    correcting line about a missing toggle is shown."""
    answer = engine.answer("I missed the november deadline, is opting out now still worth it?")
    assert engine.index.premise(engine.index.analyse(answer.question)) is not None
    assert (answer.outcome, answer.entry_id, answer.premise) == ("answer", "late-opt-out", None)


@pytest.mark.parametrize(
    ("question", "entry", "says"),
    [
        ("do I need Premium to opt out of the AI training, I'm on a free plan", "turn-off", "free"),
        (
            "opting out deletes my data from the model right? how long does that take",
            "already-trained",
            "does not",
        ),
        ("the setting vanished so I guess I'm opted out?", "cant-find", "does not mean"),
    ],
)
def test_false_premise_gets_the_entry_and_a_correcting_line(engine, question, entry, says):
    answer = engine.answer(question)
    assert answer.outcome == "answer" and answer.entry_id == entry
    assert answer.premise and says in answer.premise.lower()
    assert to_json_dict(answer)["premise"] == answer.premise
    assert answer.premise in to_json_dict(answer)["answer"]


def test_premises_and_includes_are_validated(tmp_path) -> None:
    work = tmp_path / "kb"
    shutil.copytree(SHIPPED, work)
    extra = work / "entries" / "broken.yaml"
    extra.write_text(
        "entries:\n"
        "  - id: broken\n"
        "    title: Broken\n"
        "    examples: [one thing, another thing, third thing]\n"
        "    answer: text\n"
        "    sources: [li-help-gai-setting]\n"
        '    checked: "2026-12-01"\n'
        "    includes: [no-such-entry]\n"
        "premises:\n"
        "  - entry: brokn\n"
        "    when: [premium plan]\n"
        "    say: You don't need Premium.\n"
        "  - entry: broken\n"
        "    when: [premium plan]\n"
        "  - entry: broken\n"
        "    lang: pt\n"
        "    when: [premium plan]\n"
        "    say: Não precisa.\n",
        encoding="utf-8",
    )
    result = load_knowledge(work)
    messages = [str(p) for p in result.errors]
    assert any("broken.yaml:8" in m and "no-such-entry" in m for m in messages), messages
    assert any("broken.yaml:10" in m and "did you mean 'broken'" in m for m in messages), messages
    assert any("broken.yaml:13" in m and "'say'" in m for m in messages), messages
    assert any("broken.yaml:16" in m and "unknown language 'pt'" in m for m in messages), messages


def test_only_an_answer_entry_can_be_the_overview(tmp_path) -> None:
    work = tmp_path / "kb"
    shutil.copytree(SHIPPED, work)
    (work / "entries" / "broken.yaml").write_text(
        "entries:\n"
        "  - id: broken\n"
        "    kind: decline\n"
        "    title: Broken\n"
        "    examples: [one thing, another thing, third thing]\n"
        "    answer: text\n"
        '    checked: "2026-12-01"\n'
        "    overview: true\n",
        encoding="utf-8",
    )
    messages = [str(p) for p in load_knowledge(work).errors]
    assert any("broken.yaml:8" in m and "overview" in m for m in messages), messages


@pytest.mark.parametrize(
    ("question", "entry", "platform"),
    [
        # The first thing a newcomer types: a device and "it", with no AI words at all.
        ("how do i turn it off on my iphone", "turn-off", "ios"),
        ("how do i turn it off on android", "turn-off", "android"),
        # ...while a question about repeating it on another device stays with that topic.
        ("do i need to turn it off on my iphone too", "multiple-accounts", "ios"),
    ],
)
def test_the_plainest_how_to_is_answered_not_asked_about(engine, question, entry, platform):
    answer = engine.answer(question)
    assert (answer.outcome, answer.entry_id, answer.platform) == ("answer", entry, platform)


@pytest.mark.parametrize(
    ("question", "region"),
    [("opt out germany", "eu"), ("opt out in the uk?", "uk"), ("opt out hong kong", "hk")],
)
def test_opting_out_somewhere_gets_the_how_to_with_that_region(engine, question, region):
    answer = engine.answer(question)
    assert (answer.outcome, answer.entry_id, answer.region) == ("answer", "turn-off", region)


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Danke!", "de"),
        ("gracias", "es"),
        ("bedankt", "nl"),
        ("merci", "fr"),
        ("ok", "en"),  # English too
        ("thanks", "en"),
        ("hallo", "en"),  # German and Dutch alike
    ],
)
def test_one_word_small_talk_is_answered_in_its_language(engine, message, lang) -> None:
    answer = engine.answer(message)
    assert answer.small_talk and answer.lang == lang


def test_a_forced_language_still_wins_for_small_talk(engine) -> None:
    assert engine.answer("Danke!", lang="fr").lang == "fr"
    assert engine.answer("ok", default_lang="it").lang == "it"
    assert engine.answer("Danke!", default_lang="it").lang == "it"  # a server default wins


@pytest.mark.parametrize(
    ("word", "fixed"),
    [
        ("gdrp", "gdpr"),  # two letters swapped
        ("legl", "legal"),  # one letter left out
        ("date", "date"),  # a real word is never bent
        ("dats", "dats"),  # a changed letter is never guessed on four letters
    ],
)
def test_four_letter_typos_only_swaps_and_lost_letters(engine, word, fixed) -> None:
    assert engine.index.correct(word) == fixed


def test_only_english_catcher_phrasings_name_things(engine) -> None:
    """Brands an off-topic entry knows decline a question outright; another language's
    everyday verb that only a catcher happens to use ("wijzigen", "zeig") must not."""
    names = engine.index._catcher_names
    assert {"glassdoor", "reddit", "tiktok"} <= names
    assert not {"wijzigen", "zeig", "cancelar", "opzeggen"} & names


def test_a_phrasing_is_stemmed_as_the_language_of_its_file(engine) -> None:
    """Phrasings from knowledge/phrasings/de.yaml are German, the entry's own are English, so
    a German verb form meets its phrasing ("ausschalte" / "ausschalten")."""
    entry = engine.kb.entries["turn-off"]
    langs = {entry.examples[i]: entry.example_lang(i) for i in range(len(entry.examples))}
    assert langs["how do i turn it off"] == "en"
    assert langs["ki training abschalten kurz erklärt"] == "de"
    assert set(entry.example_langs) >= {"en", "fr", "de", "nl", "es", "it"}
    german = engine.index.analyse("wie schalte ich das KI-Training aus").content
    assert "schalt" in german  # the German stemmer's form, not the English one ("schalte")


@pytest.mark.parametrize(
    ("question", "joined"),
    [
        ("hoe schakel ik het uit", "uitschakel"),
        ("wie schalte ich das KI-Training aus", "ausschalt"),
        ("is het mogelijk om het uit te zetten", "uitzet"),
        ("moet ik betalen om me af te melden", "afmel"),
    ],
)
def test_a_split_verb_is_also_read_joined(engine, question, joined) -> None:
    """German and Dutch send a verb's particle to the end, and Dutch puts "te" between them
    ("uit te zetten"); the joined verb is a term too."""
    assert joined in engine.index.analyse(question).content
    assert "uitschakel" not in engine.index.analyse("hoe schakel ik het").content


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("thanks everyone", "smalltalk-thanks"),  # not "hi", however close "yo" looks
        ("hello everyone", "smalltalk-hello"),
        ("merci à tous", "smalltalk-thanks"),
        ("hallo zusammen", "smalltalk-hello"),
    ],
)
def test_small_talk_picks_the_entry_of_its_own_words(engine, message, entry) -> None:
    answer = engine.answer(message, lang="en")
    assert answer.small_talk and answer.body == engine.kb.entries[entry].answer.strip()


@pytest.mark.parametrize(
    "question", ["hi all, how do I opt out?", "hey guys, how do i turn this off"]
)
def test_a_greeting_before_a_question_says_nothing_about_it(engine, question) -> None:
    assert engine.answer(question).entry_id == "turn-off"


def test_an_entry_about_certain_regions_is_known_from_its_phrasings(engine) -> None:
    assert engine.index.regions_of("canada-hongkong") == frozenset({"ca", "hk"})
    assert engine.index.regions_of("turn-off") is None


@pytest.mark.parametrize(
    ("question", "entry"),
    [("uk?", "regions"), ("canada?", "canada-hongkong"), ("hong kong?", "canada-hongkong")],
)
def test_the_place_named_decides_between_general_and_regional_entries(engine, question, entry):
    answer = engine.answer(question)
    assert (answer.outcome, answer.entry_id) == ("answer", entry)


def test_the_entry_about_the_named_place_answers_when_near_the_top(engine) -> None:
    from bot.answering.decide import PLACE_LEAD

    query = engine.index.analyse("i work in hong kong, what are the rules there")
    assert query.slots.region == "hk"
    near = [Ranked("regions", 60.0), Ranked("canada-hongkong", 60.0 - PLACE_LEAD + 1)]
    decision = decide(engine.kb, engine.index, query, near, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "canada-hongkong")
    far = [Ranked("regions", 60.0), Ranked("canada-hongkong", 60.0 - PLACE_LEAD - 1)]
    decision = decide(engine.kb, engine.index, query, far, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "regions")
    # Unprompted channel answers never settle it by place.
    strict = decide(engine.kb, engine.index, query, near, engine.thresholds, strict=True)
    assert strict.kind != "answer" or strict.best.entry_id == "regions"


def test_a_named_place_that_no_topic_fits_surely_gets_that_places_note(engine) -> None:
    from bot.answering.decide import PLACE_FLOOR, PLACE_NEAR

    query = engine.index.analyse("we are in norway, not the eu, so not us right")
    assert query.slots.region is not None
    low = PLACE_FLOOR + 1
    ranked = [Ranked("default-on", low + PLACE_NEAR - 1), Ranked("regions", low)]
    decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "regions")
    # Too far behind, too low, no place named, or unprompted: the usual rules decide.
    far = [Ranked("default-on", low + PLACE_NEAR + 1), Ranked("regions", low)]
    too_low = [Ranked("default-on", PLACE_FLOOR), Ranked("regions", PLACE_FLOOR - 1)]
    for other in (far, too_low):
        assert decide(engine.kb, engine.index, query, other, engine.thresholds).kind == "decline"
    nowhere = engine.index.analyse("so not us right")
    assert decide(engine.kb, engine.index, nowhere, ranked, engine.thresholds).kind == "decline"
    strict = decide(engine.kb, engine.index, query, ranked, engine.thresholds, strict=True)
    assert strict.kind == "decline"


def test_a_far_behind_entry_about_the_place_does_not_hide_the_regions_note(engine) -> None:
    """France's CNIL entry is about an EU place, but when it trails far behind, the entry with
    every region's note still answers a Dutch member's "does this apply here?"."""
    from bot.answering.decide import PLACE_FLOOR

    query = engine.index.analyse("geldt dit ook voor nederland of niet")
    assert query.slots.region == "eu" and "eu" in engine.index.regions_of("cnil")
    ranked = [Ranked("regions", PLACE_FLOOR + 2), Ranked("cnil", PLACE_FLOOR - 15)]
    decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "regions")


def test_an_entry_about_other_places_never_answers_a_named_place(engine) -> None:
    """Someone who names Amsterdam must not get Canada's and Hong Kong's rules, however well
    the rest of the question fits that entry's words."""
    query = engine.index.analyse("since when, I live in amsterdam")
    assert query.slots.region == "eu"
    ranked = [Ranked("canada-hongkong", 70.0), Ranked("timeline", 60.0)]
    decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
    assert (decision.kind, decision.best.entry_id) == ("answer", "timeline")
    only = decide(engine.kb, engine.index, query, ranked[:1], engine.thresholds)
    assert only.kind == "decline"
    # The places it is about, or no place at all, keep it.
    for question in ("since when, I live in toronto", "since when was it paused"):
        query = engine.index.analyse(question)
        decision = decide(engine.kb, engine.index, query, ranked, engine.thresholds)
        assert decision.best.entry_id == "canada-hongkong"


@pytest.mark.parametrize(
    ("question", "entry"),
    [("how are my posts used", "data-used"), ("how do I opt out", "turn-off")],
)
def test_how_does_it_work_is_not_how_do_i(engine, question, entry) -> None:
    """'how' before 'does/is/are' asks for an explanation, not the how-to's steps."""
    assert engine.answer(question).entry_id == entry


def test_every_phrasing_ranks_its_own_entry_first(engine) -> None:
    """A phrasing and a question are stemmed by one rule, so the knowledge's own phrasings
    (ranked as questions) find their entry; small talk is answered before ranking."""
    own = total = 0
    for entry in engine.kb.entries.values():
        if entry.kind == "smalltalk":
            continue
        for text in entry.examples:
            total += 1
            ranked = engine.index.rank(engine.index.analyse(text))
            own += bool(ranked) and ranked[0].entry_id == entry.id
    assert own >= 0.99 * total, (own, total)


def test_a_plainly_english_question_keeps_english_stems(engine) -> None:
    assert "page" in engine.index.analyse("company page ai training").content  # not "pag"


def test_the_setting_words_are_known_in_every_stemmer(engine) -> None:
    query = engine.index.analyse("Wie kann ich bei LinkedIn das Trainieren deaktivieren?")
    assert engine.index.about_the_setting(query)


def test_the_entry_that_uses_the_questions_words_more_often_gains(kb_copy, monkeypatch) -> None:
    """Naive Bayes over each entry's phrasings: one phrasing of `regions` holds both rare
    words, but `private-messages` uses each of them again and again, so its share of the
    question's likelihood is higher and `regions` loses points against it."""
    import bot.answering.matcher as matcher

    (kb_copy / "phrasings").mkdir()
    (kb_copy / "phrasings" / "en.yaml").write_text(
        "phrasings:\n  private-messages:\n"
        + "".join(f"    - zebra note {n}\n    - quokka note {n}\n" for n in "abcdef")
        + "  regions:\n    - zebra quokka region list today\n",
        encoding="utf-8",
    )
    kb = load_knowledge(kb_copy, stale_days=100_000).kb

    def lead(weight: float) -> float:
        monkeypatch.setattr(matcher, "NB_WEIGHT", weight)
        index = matcher.Index(kb)
        scores = {r.entry_id: r.score for r in index.rank(index.analyse("zebra quokka"))}
        return scores["private-messages"] - scores["regions"]

    without, with_bayes = lead(0.0), lead(0.2)
    assert with_bayes - without > 5  # up to NB_WEIGHT * 100 = 20 points


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("do you keep a record of my questions?", "en"),
        ("est-ce que tu enregistres mes questions ?", "fr"),
        ("Speicherst du meine Fragen?", "de"),
    ],
)
def test_questions_about_the_bot_get_what_it_stores(engine, question, lang) -> None:
    """A privacy bot says plainly what it keeps, in the asker's language, as a catcher: no
    title, no gap recorded as a missing LinkedIn topic."""
    answer = engine.answer(question)
    assert (answer.outcome, answer.catcher, answer.lang) == ("decline", "offtopic-this-bot", lang)
    assert "30" in answer.body and "Discord" in answer.body and answer.title == ""


def test_the_bots_own_privacy_line_matches_the_stores_default_retention(engine) -> None:
    from bot.store.base import DEFAULT_RETENTION_DAYS

    entry = engine.kb.entries["offtopic-this-bot"]
    assert f"{DEFAULT_RETENTION_DAYS} days" in entry.answer


def test_the_most_telling_word_always_brings_its_phrasings(engine) -> None:
    """Candidates are read rarest word first and stop once enough are found. A word in many
    phrasings of one entry ("cnil": few entries, many phrasings) must still bring its own,
    even when a weaker word with fewer phrasings filled the list first."""
    from bot.answering.matcher import COMMON_POSTINGS, MAX_CANDIDATES

    index = engine.index
    telling = "cnil"
    assert len(index._postings[telling]) > COMMON_POSTINGS
    weaker = next(
        t
        for t, ids in sorted(index._postings.items())
        if MAX_CANDIDATES <= len(ids) < len(index._postings[telling])
        and index._idf[t] < index._idf[telling]
        and not any(telling in index._example_tokens[i] for i in ids)
    )
    tokens = frozenset({telling, weaker})
    weight = sum(index._idf[t] for t in tokens)
    found = {index._example_entry[i] for _, i in index._top_lexical(tokens, weight)}
    assert "cnil" in found, (weaker, found)


def test_a_long_message_needs_a_lower_score_than_a_short_one(engine) -> None:
    """Context words no phrasing has dilute a long message's score: a leader between
    long_answer and answer answers a long message, and declines a short one or an unprompted
    one (channel mode keeps its own, higher bar)."""
    t = engine.thresholds
    assert t.long_answer < t.answer
    score = (t.long_answer + t.answer) / 2
    long = engine.index.analyse(
        "so my manager forwarded an article this morning and half the team is worried now, "
        "we all use the app daily for hiring and posting job ads, is our old content already "
        "inside their models or only new posts from now on"
    )
    short = engine.index.analyse("is old content already inside their models")
    assert len(long.content) >= t.long_words > len(short.content)
    ranked = [Ranked("already-trained", score), Ranked("late-opt-out", score - 20)]
    assert decide(engine.kb, engine.index, long, ranked, t).kind == "answer"
    assert decide(engine.kb, engine.index, short, ranked, t).kind == "decline"
    assert decide(engine.kb, engine.index, long, ranked, t, strict=True).kind == "decline"


@pytest.mark.parametrize(
    "message",
    [
        "Perfekt, hat funktioniert, der Schalter ist jetzt aus. Danke dir vielmals!",
        "super, het is gelukt op mijn telefoon, heel erg bedankt voor je hulp",
    ],
)
def test_a_longer_thanks_gets_the_small_talk_line(engine, message) -> None:
    """Too long to be all small-talk words, but clearly led by small talk and holding its word:
    the friendly line, never "I don't know that one" (a question after the thanks is still a
    question: see the next test)."""
    answer = engine.answer(message)
    assert answer.small_talk and answer.outcome == "decline"


def test_a_thanks_before_a_question_still_gets_the_answer(engine) -> None:
    assert engine.answer("danke! und wie mache ich das am handy?").entry_id == "turn-off"


def test_other_companies_names_are_words_only_the_off_topic_entries_know(engine) -> None:
    """Accents are stripped, so an answer phrasing with Italian "a metà" once taught the
    knowledge that "meta" is about this setting, and "impedire a Meta di usare i miei post"
    got the how-to. Other companies' names must stay words only the off-topic entries know."""
    from bot.answering.matcher import stem

    names = "meta facebook instagram whatsapp google gemini grammarly indeed xing glassdoor"
    assert not [n for n in names.split() if stem(n) not in engine.index._catcher_only]
    answer = engine.answer("come faccio a impedire a meta di usare le mie foto per la sua ia?")
    assert answer.outcome == "decline"


def test_umlauts_typed_as_two_letters_read_as_the_umlaut(engine) -> None:
    """ "fuer" is "für" (a grammar word), not Spanish "fuera"; "loeschen" is "löschen"."""
    index = engine.index
    typed = "Kann ich meine alten Beitraege fuer das KI-Training loeschen lassen, wie geht das?"
    umlauts = "Kann ich meine alten Beiträge für das KI-Training löschen lassen, wie geht das?"
    assert index.analyse(typed).content == index.analyse(umlauts).content
    assert index.correct("fuer") == "fur" and index.correct("queue") == "queue"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("che cosa ha comunicato il Garante su LinkedIn e l'IA?", "legal-basis"),
        ("wat vindt de Autoriteit Persoonsgegevens van die AI-training?", "legal-basis"),
        ("qu'est-ce que la CNIL a publié sur LinkedIn ?", "cnil"),
    ],
)
def test_each_regulator_leads_to_the_entry_that_says_what_it_said(engine, question, entry):
    """The CNIL entry is about France only; what the Dutch, Italian or Belgian regulators said
    is in legal-basis (the CNIL entry once held their phrasings, and answered them with
    France's)."""
    answer = engine.answer(question)
    assert (answer.outcome, answer.entry_id) == ("answer", entry)


def test_an_unknown_german_or_dutch_compound_is_read_as_its_known_parts(engine) -> None:
    index = engine.index
    assert index._two_known_parts("datenschutzeinstellungen") == ("datenschutz", "einstellungen")
    assert index._two_known_parts("trainingseinstellung") == ("training", "einstellung")  # "-s-"
    german = index.analyse("Wo finde ich die Datenschutzeinstellungen für das KI-Training?")
    split = index.analyse("Wo finde ich die Datenschutz Einstellungen für das KI-Training?")
    assert german.content == split.content
    english = index.analyse("where are the privacysettingsthing options")
    assert "privacysettingsth" in " ".join(english.content)  # English is never split


def test_a_wrong_beliefs_words_far_apart_in_a_long_message_are_no_belief(engine) -> None:
    """A belief is stated in one clause; a long rant that says "turn off" at the start and
    "delete" at the end states none, and its entry must not answer a message nothing fits."""
    from bot.answering.matcher import PREMISE_SPAN

    near = engine.index.analyse("so turning it off deletes my data from their models, right?")
    assert engine.index.premise(near) is not None
    filler = " ".join(["networking", "feed", "recruiters", "weekend", "coffee", "colleagues"] * 2)
    far = engine.index.analyse(f"I turned my notifications off last year, {filler}, deleted it")
    assert len(far.content) > PREMISE_SPAN
    assert engine.index.premise(far) is None


def test_a_wrong_beliefs_words_in_a_longer_off_topic_message_do_not_answer_it(engine) -> None:
    """An off-topic entry nearest a longer message decides: its "opt out … delete" is about
    the other service. A short belief stays a belief even when an off-topic entry is near."""
    answer = engine.answer(
        "I still have an old Xing profile from years ago. Does Xing train AI on profiles like "
        "LinkedIn does, and can I opt out there? Or should I just delete the Xing account"
    )
    assert answer.outcome == "decline"
    short = engine.answer("kostet das abschalten was? n kumpel meint man braucht premium dafür")
    assert short.entry_id == "turn-off" and short.premise


def test_words_of_one_meaning_in_five_languages_are_one_term(engine) -> None:
    """A Dutch "schakelaar" meets the phrasings that say "toggle", "Schalter" or "levetta"."""
    index = engine.index
    toggle = {
        index.analyse(q).content[-1]
        for q in (
            "where is the toggle",
            "wo ist der Schalter",
            "où est l'interrupteur",
            "waar is de schakelaar",
            "dónde está el interruptor",
            "dov'è la levetta",
        )
    }
    assert len(toggle) == 1
    german = index.analyse("Beschwerde bei der Datenschutzbehörde").content
    assert german == index.analyse("complaint to the regulator").content


def test_an_everyday_english_word_is_never_folded_into_a_foreign_meaning(engine) -> None:
    """German "alter" is old, but "alter the setting" means no age: the English stemmer (which
    also reads Spanish and Italian) folds no everyday English word."""
    from bot.answering.concepts import build_folds, read_concepts
    from bot.answering.languages import frequency_rank
    from bot.answering.matcher import _snowball

    english = frozenset(w for w, rank in frequency_rank("en").items() if rank < 10_000)
    folds = build_folds(_snowball, ("en",), english)["en"]
    listed = {w for words in read_concepts().values() for w in words}
    assert listed & english, "the list must hold words that are also English for this to test"
    assert not listed & english & set(folds)
    assert "alter" in engine.index.analyse("can I alter the setting later").content
    assert "old" in engine.index.analyse("gilt das auch für alte Beiträge").content


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Pourquoi Meta veut-il mes données ?", "meta"),
        ("Est-ce que OpenAI reçoit mes données ?", "openai"),
        ("Deelt LinkedIn mijn gegevens met Microsoft?", "microsoft"),
        ("Warum nutzt Twitter meine Beiträge für KI?", "twitter"),
    ],
)
def test_a_name_reads_the_same_in_every_language(engine, question, name) -> None:
    """The French stemmer makes "Meta" "met", the Dutch one "Microsoft" "microsof": a name is
    read as English reads it, so it meets the phrasings that name it in any language."""
    assert name in engine.index.analyse(question).content


def test_a_word_only_the_catchers_know_opening_the_message_is_a_name(engine) -> None:
    """ "Meta et mes données…": the opening capital is no proof, but "meta" is no word of ours."""
    answer = engine.answer("Meta et mes données : qu'est-ce qui est vraiment utilisé ?")
    assert answer.outcome == "decline"


def test_a_leader_alone_in_a_longer_foreign_question_answers_under_the_threshold(engine) -> None:
    """Each of the five languages has a sixth of the phrasings, so its questions score lower
    for the same fit: a leader no other entry comes near answers; in English it declines."""
    t = engine.thresholds
    low = t.lone_floor + 1
    assert low < t.answer
    alone = [Ranked("company-pages", low), Ranked("offtopic-account", low - t.lone_lead - 1)]
    near = [alone[0], Ranked("offtopic-account", low - t.lone_lead + 1)]
    german = engine.index.analyse(
        "Ich bin Admin der Firmenseite unserer kleinen Agentur mit zwölf Leuten, kann ich das "
        "Training für alle Mitarbeiter auf einmal abschalten"
    )
    english = engine.index.analyse(
        "I am the admin of the page of our small agency, can I switch that off for everyone"
    )
    short = engine.index.analyse("Firmenseite für alle abschalten?")
    assert german.lang == "de" and len(german.content) >= t.lone_words > len(short.content)

    def kind(query, ranked, strict=False):
        return decide(engine.kb, engine.index, query, ranked, t, strict=strict).kind

    assert kind(german, alone) == "answer"
    assert kind(german, near) == "decline"
    assert kind(english, alone) == "decline"
    assert kind(short, alone) == "decline"
    assert kind(german, alone, strict=True) == "decline"
    # English only when long (its context diluted the score), and only with a wider lead.
    long = engine.index.analyse(
        "I run the company page for our small design agency with twelve people and a few "
        "freelancers, and our clients keep asking us about it, so can I switch the training "
        "off for everyone at once from the admin view?"
    )
    assert long.lang == "en" and len(long.content) >= t.long_words
    wide = [alone[0], Ranked("offtopic-account", low - t.lone_lead_english - 1)]
    assert kind(long, wide) == "answer"
    assert kind(long, alone) == "decline"  # 20 points are not enough in English


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Moin Leute, bin seit heute auf dem Server, ein Kumpel hat mir den Link geschickt", "de"),
        ("Ciao ragazzi, appena arrivata qui grazie a un'amica, un saluto da Bologna", "it"),
        ("hey everyone, just joined from the design meetup, nice to meet you all", "en"),
    ],
)
def test_a_longer_message_opening_with_a_greeting_is_a_hello(engine, message, lang) -> None:
    """It fits no topic and names neither LinkedIn nor AI: the friendly line (which says what
    the bot answers) in the member's language, not "I don't know that one", and no gap."""
    answer = engine.answer(message)
    assert answer.small_talk and answer.catcher == "smalltalk-hello" and answer.lang == lang
    assert records_for(1, answer, free_text=True)[1] == []
    # A greeting before a question about the setting is still the question; unprompted, the
    # bot stays quiet.
    question = engine.answer("Moin Leute, wie schalte ich das KI-Training bei LinkedIn aus?")
    assert (question.outcome, question.entry_id) == ("answer", "turn-off")
    assert not engine.answer(message, strict=True).small_talk


@pytest.mark.parametrize("lang", ["en", "de", "fr", "nl", "es", "it"])
def test_does_it_apply_asks_for_the_place_only_when_none_was_named(engine, lang) -> None:
    """Named: that place's note, and no "tell me your country". Not named: the list (the body)
    and the ask, not the overview a second time."""
    from bot.answering.compose import compose_entry

    entry = engine.kb.entries["regions"]
    named = compose_entry(engine.kb, entry, question="q", region="eu", lang=lang)
    unnamed = compose_entry(engine.kb, entry, question="q", lang=lang)
    ask = engine.kb.messages.get("region_ask") if lang == "en" else None
    assert named.region_name and named.region_note and named.region_note != unnamed.region_note
    assert unnamed.region_name is None and unnamed.region_note
    assert len(unnamed.region_note) < 120  # the ask, not the overview
    assert unnamed.region_note not in named.body and unnamed.region_note not in named.region_note
    if ask:
        assert unnamed.region_note == ask
    answer = engine.answer("Does this apply in Austria?")
    assert (answer.entry_id, answer.region) == ("regions", "eu")
    assert "Tell me your country" not in answer.body + (answer.region_note or "")


@pytest.mark.parametrize(
    "question",
    [
        "Welche Daten wären denn betroffen?",
        "Quali sono i dati coinvolti?",
        "Welke gegevens vallen eronder?",
    ],
)
def test_asking_which_data_is_one_term_in_every_language(engine, question) -> None:
    """ "Daten" alone is every entry's word, so "welche … betroffen" went to the regions entry
    ("welches Land ist betroffen?"): asking which data is a term of its own."""
    from bot.answering.matcher import WHICH_DATA

    assert WHICH_DATA in engine.index.analyse(question).content
    answer = engine.answer(question)
    assert (answer.outcome, answer.entry_id) == ("answer", "data-used")
    assert WHICH_DATA not in engine.index.analyse("Welches Land ist betroffen?").content


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("comment je desactive ca", "comment desactiver ca"),  # the French stemmer: "desact"
        ("ho disattivato tutto", "come disattivare tutto"),  # Italian: no stemmer here
        ("lo he desactivado", "como desactivar"),
    ],
)
def test_forms_of_one_verb_are_one_term(engine, one, other) -> None:
    """Read without its accents, French "désactive" stems to "desact" but "désactiver" to
    "desactiv"; Spanish and Italian have no stemmer here: the forms are listed as one."""
    first = set(engine.index.analyse(one).content)
    second = set(engine.index.analyse(other).content)
    assert first & second - {"comment", "ca", "tutto", "como", "lo", "ho"}


@pytest.mark.parametrize(
    "message",
    [
        "Hi, how are you?",
        "wie geht es dir?",
        "hoi, hoe gaat het?",
        "salut, comment vas-tu ?",
        "hola, ¿cómo estás?",
        "ciao, come stai?",
    ],
)
def test_how_are_you_is_a_hello(engine, message) -> None:
    """ "Wie geht es dir?" got the how-to ("wie" is how): the whole phrase is a greeting. Its
    words alone are not: "wie geht das?" and "hoe gaat dat op android?" are no small talk."""
    answer = engine.answer(message)
    assert answer.small_talk and answer.catcher == "smalltalk-hello"
    for question in ("wie geht das?", "hoe gaat dat op android?"):
        assert not engine.answer(question).small_talk


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("help", "en"),
        ("what can you do?", "en"),
        ("hilfe", "de"),
        ("aide", "fr"),
        ("wat kun je?", "nl"),
        ("¿qué puedes hacer?", "es"),
        ("aiuto", "it"),
    ],
)
def test_help_gets_what_the_bot_answers(engine, message, lang) -> None:
    """ "help" got the reply for rude messages, "aide" an answer about deleting posts, "qué
    puedes hacer" one about data already used: a member asking what the bot does gets one
    line saying it, in their language, and no gap is recorded."""
    answer = engine.answer(message)
    assert answer.small_talk and answer.catcher == "smalltalk-help" and answer.lang == lang
    assert records_for(1, answer, free_text=True)[1] == []
    asks = engine.answer("can you help me turn this off on android?")
    assert (asks.outcome, asks.entry_id) == ("answer", "turn-off")
