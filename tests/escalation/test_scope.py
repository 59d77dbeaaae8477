"""Tests for bot/escalation/scope.py: where a cue stands in its message."""

from __future__ import annotations

from bot.escalation import scope
from bot.escalation.lexicon import load_lexicon
from bot.escalation.normalize import tokenize
from bot.escalation.risk import DEFAULT_LEXICON_DIR
from bot.escalation.view import Rewriter, Span, TextView, build_view


def view_of(text: str) -> TextView:
    return build_view(tokenize(text), Rewriter({}))


def span_of(view: TextView, words: str) -> Span:
    """Token range of the first occurrence of `words` in the view."""
    wanted = words.split()
    texts = [token.text for token in view.tokens]
    for start in range(len(texts)):
        if texts[start : start + len(wanted)] == wanted:
            return start, start + len(wanted)
    raise AssertionError(f"{words!r} not in {texts}")


def test_a_time_right_after_a_farewell_goes_with_it() -> None:
    """"im done, tonight" states when."""
    view = view_of("im done, tonight")
    assert scope.time_goes_with(view, span_of(view, "tonight"), [span_of(view, "im done")])


def test_a_time_said_on_its_own_goes_with_the_farewell() -> None:
    """"its decided. tonight" — the time is a sentence of its own."""
    view = view_of("its decided. tonight")
    assert scope.time_goes_with(view, span_of(view, "tonight"), [span_of(view, "its decided")])


def test_a_time_about_something_else_does_not() -> None:
    """"im done. going to bed now" is about bedtime, not a plan."""
    view = view_of("im done. going to bed now")
    assert not scope.time_goes_with(view, span_of(view, "now"), [span_of(view, "im done")])


def test_a_time_far_along_the_sentence_does_not() -> None:
    """"this is it, the big interview today" — the time belongs to the interview."""
    view = view_of("this is it, the big interview today")
    assert not scope.time_goes_with(view, span_of(view, "today"), [span_of(view, "this is it")])


def test_a_next_sentence_that_opens_by_dating_the_match_makes_it_past() -> None:
    """"i took a bottle of pills. that was 40 years ago" — the date is the next sentence's start."""
    view = view_of("i took a bottle of pills. that was 40 years ago")
    match = span_of(view, "took a bottle of pills")
    assert scope.dated_after(view, match, [span_of(view, "that was 40 years ago")])


def test_a_later_clause_of_the_same_sentence_that_dates_the_match_makes_it_past() -> None:
    """"...about when i was in the hospital, but that was 12 years ago" dates what came before."""
    view = view_of("i told her about the time i overdosed, but that was 12 years ago and im good")
    match = span_of(view, "overdosed")
    assert scope.dated_after(view, match, [span_of(view, "that was 12 years ago")])
    before = view_of("that was 12 years ago, now i overdosed")
    assert not scope.dated_after(
        before, span_of(before, "overdosed"), [span_of(before, "that was 12 years ago")]
    )


def test_a_date_further_on_dates_something_else() -> None:
    """A date two sentences on is not this rule's."""
    view = view_of("i took a bottle of pills. im scared. that was 40 years ago")
    match = span_of(view, "took a bottle of pills")
    assert not scope.dated_after(view, match, [span_of(view, "that was 40 years ago")])
    assert not scope.dated_after(view, match, [])


def test_a_negation_does_not_deny_a_match_that_runs_past_a_full_stop() -> None:
    """"hospice never came back for her oxy. i finished the bottle": the "never" is about
    hospice; the match says its deed after the stop."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("hospice never came back for her oxy. i finished the bottle")
    assert not scope.negation_before(view, lexicon, span_of(view, "oxy . i finished the bottle"))
    assert scope.negation_before(view, lexicon, span_of(view, "came back for her oxy"))


def test_a_bare_denial_may_be_led_and_trailed_by_a_few_words() -> None:
    """"any cravings? honestly no", "cravings? nah not really": still a bare denial."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    for text in ("any cravings? honestly no", "cravings? nah not really.", "cravings? no"):
        view = view_of(text)
        assert scope.denial_after(view, lexicon, span_of(view, "cravings")), text


def test_a_denial_that_goes_on_to_say_something_denies_nothing() -> None:
    """"cravings? no joke theyre bad", "no lol i wish", "not today" (other days, then): the
    answer is not a denial."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    for text in ("cravings? no joke theyre bad", "cravings? no lol i wish i could stop",
                 "cravings? honestly tbh well no", "cravings? no not today",
                 "cravings? no not yet"):
        view = view_of(text)
        assert not scope.denial_after(view, lexicon, span_of(view, "cravings")), text


def test_el_before_a_noun_of_time_is_the_article_not_him() -> None:
    """"el año pasado intente matarme": the client's own past; "el intento" is his."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "es.yml")
    view = view_of("el ano pasado intente matarme")
    assert not scope.about_someone_else(view, lexicon, span_of(view, "intente matarme"))
    view = view_of("el intento matarse")
    assert scope.about_someone_else(view, lexicon, span_of(view, "intento matarse"))


def test_the_words_that_name_the_client_in_a_relatives_message_are_not_someone_else() -> None:
    """"este es el cel de mi hija, se corto los brazos": "hija" is the client here."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "es.yml")
    view = view_of("este es el cel de mi hija, se corto los brazos")
    match = span_of(view, "se corto los brazos")
    frame = span_of(view, "este es el cel de mi hija")
    assert not scope.about_someone_else(view, lexicon, match, (), lexicon.reported, (frame,))
    assert scope.about_someone_else(view, lexicon, match, (), lexicon.reported)


def test_a_hedge_after_a_comma_hedges_only_when_it_comes_first() -> None:
    """"i wont hurt myself, probably" is hedged; in "no thoughts of hurting myself, no use,
    cravings maybe 2" the "maybe" is about the cravings."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    for text, hedge, is_hedged in (
        ("i wont hurt myself, probably", "probably", True),
        ("i wont hurt myself lol probably", "probably", True),
        ("no thoughts of hurting myself, no use, cravings maybe 2", "maybe", False),
        ("not gonna hurt myself, cravings maybe 2", "maybe", False),
    ):
        view = view_of(text)
        match = span_of(view, "myself")
        assert scope.hedged(view, lexicon, match, (span_of(view, hedge),)) is is_hedged, text


def test_a_negation_runs_along_a_list() -> None:
    """"no urges to use or to hurt myself" denies both; "ni ... ni" too; a list word
    does not carry a negation past a new subject."""
    english = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("no urges to use or to hurt myself")
    assert scope.negation_before(view, english, span_of(view, "hurt myself"))
    view = view_of("no plans or anything but i want to hurt myself")
    assert not scope.negation_before(view, english, span_of(view, "hurt myself"))
    spanish = load_lexicon(DEFAULT_LEXICON_DIR / "es.yml")
    view = view_of("ni ganas de tomar ni de hacerme dano")
    assert scope.negation_before(view, spanish, span_of(view, "hacerme dano"))


def test_a_hedge_before_the_match_stays_in_its_clause() -> None:
    """"maybe im alright" is hedged; in "i might be quiet but im alright" the "might" is
    about being quiet."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("maybe im alright")
    assert scope.hedged(view, lexicon, span_of(view, "im alright"), (span_of(view, "maybe"),))
    view = view_of("i might be quiet but im alright")
    match, hedge = span_of(view, "im alright"), span_of(view, "might")
    assert not scope.hedged(view, lexicon, match, (hedge,))


def test_a_match_that_opens_its_own_clause_is_out_of_a_negations_reach() -> None:
    """"not eating whats the point": the negation is about eating."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("been in bed all day not eating whats the point")
    assert not scope.negation_before(view, lexicon, span_of(view, "whats the point"))


def test_a_negation_inside_a_condition_denies_nothing() -> None:
    """"if my dose isnt raised tomorrow im ending it": the "isnt", three words after
    "if", is part of the condition; without the "if" it denies."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("if my dose isnt raised tomorrow im ending it")
    assert not scope.negation_before(view, lexicon, span_of(view, "raised tomorrow"))
    view = view_of("my dose isnt raised tomorrow")
    assert scope.negation_before(view, lexicon, span_of(view, "raised tomorrow"))


def test_a_negation_does_not_reach_past_a_comma_the_match_took_in() -> None:
    """"ya no aguanto mas, tengo las pastillas...": a phrase may take in the comma
    before it; the "no" of the clause before still denies nothing of it."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "es.yml")
    view = view_of("ya no aguanto mas, tengo las pastillas")
    assert not scope.negation_before(view, lexicon, span_of(view, ", tengo las pastillas"))
    view = view_of("ya no tengo las pastillas")
    assert scope.negation_before(view, lexicon, span_of(view, "tengo las pastillas"))


def test_a_negation_that_belongs_to_a_risk_phrase_denies_nothing_after_it() -> None:
    """"no hope left going to end it tonight": the "no" says the hopelessness; when no
    phrase owns it, it is read as the denial it would be."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("no hope left going to end it tonight")
    owned = {span_of(view, "no")[0]}
    assert not scope.negation_before(view, lexicon, span_of(view, "going to end it"), owned)
    assert scope.negation_before(view, lexicon, span_of(view, "going to end it"))


def test_a_spanish_negation_denies_only_the_verb_right_after_it() -> None:
    """"no puedo dormir me quiero matar": the "no" is dormir's. "no me quiero matar",
    "no, no me quiero matar" and "no es que me quiera matar" deny."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "es.yml")
    for text, words in [("no puedo dormir me quiero matar", "me quiero matar"),
                        ("no aguanto quiero morirme", "quiero morirme"),
                        ("no puedo dormir me quiero matar", "quiero matar")]:
        view = view_of(text)
        assert not scope.negation_before(view, lexicon, span_of(view, words)), text
    for text, words in [("no me quiero matar", "me quiero matar"),
                        ("no me quiero matar", "quiero matar"),
                        ("no no me quiero matar", "me quiero matar"),
                        ("no es que me quiera matar", "me quiera matar"),
                        ("no pienso matarme", "matarme")]:
        view = view_of(text)
        assert scope.negation_before(view, lexicon, span_of(view, words)), text


def test_a_negation_before_a_verb_of_stopping_denies_it() -> None:
    """"not going to quit my meds": "quit" is the act, not the phrase's own negation, so the
    "not" before it denies; "no hope" keeps its own negation and is not denied."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("im not going to quit my meds")
    assert scope.negation_before(view, lexicon, span_of(view, "quit my meds"))
    view = view_of("no energy no hope")
    assert not scope.negation_before(view, lexicon, span_of(view, "no hope"))


def test_a_screening_question_answered_no_denies_what_it_asked() -> None:
    """"the doctor asked if i ever want to hurt myself and i said no" denies; "...i said no
    but honestly i do" does not, nor does a "no" with no question before the words."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")

    def answered(text: str) -> bool:
        view = view_of(text)
        question = span_of(view, "asked if") if "asked if" in text else (0, 0)
        answer = span_of(view, "i said no")
        return scope.answered_no(view, lexicon, span_of(view, "hurt myself"),
                                 [question] if question != (0, 0) else [], [answer])

    assert answered("the doctor asked if i ever want to hurt myself and i said no")
    assert not answered("the doctor asked if i ever want to hurt myself and i said no but i do")
    assert not answered("the doctor asked if i ever want to hurt myself and i said no. i lied")
    assert not answered("i want to hurt myself and i said no to the doctor")


def test_a_cue_with_a_clause_word_of_its_own_is_in_the_clause_it_opens_in() -> None:
    """"a while back" holds "while", which opens a clause elsewhere; "hace rato, no" runs
    on past a comma into another clause and is not this clause's."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("my cousin tried to hurt herself a while back but shes fine")
    match = span_of(view, "hurt herself")
    assert scope.in_clause(view, lexicon, match, [span_of(view, "a while back")])
    later = view_of("i took 20 pills a while ago, no i dont know why")
    match = span_of(later, "took 20 pills")
    assert not scope.in_clause(later, lexicon, match, [span_of(later, "a while ago , no")])
    assert scope.in_clause(later, lexicon, match, [span_of(later, "a while ago")])


def test_a_past_that_comes_back_recurs_unless_it_is_denied() -> None:
    """"...been thinking about doing it again" brings the past back; "i never want to feel
    that way again" does not."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("i overdosed last year. been thinking about doing it again")
    cue = span_of(view, "thinking about doing it again")
    assert scope.recurs(view, lexicon, span_of(view, "overdosed"), [cue])
    denied = view_of("i overdosed last year, i never want to feel that way again")
    cue = span_of(denied, "feel that way again")
    assert not scope.recurs(denied, lexicon, span_of(denied, "overdosed"), [cue])


def test_a_match_with_the_client_in_it_names_the_client() -> None:
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of("my husband said hes going to stab me next")
    assert scope.names_the_client(view, lexicon, span_of(view, "going to stab me"))
    assert not scope.names_the_client(view, lexicon, span_of(view, "going to stab"))


def test_someone_else_said_to_be_well_later_in_the_sentence_owns_the_match() -> None:
    """The friend is named too far back to be the subject; "shes doing amazing now" says
    whose the overdose was. With the client in the sentence, it is the client's."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    text = "my friend from rehab had a rough patch last year, overdosed, but shes doing great now"
    view = view_of(text)
    resolution = [span_of(view, "shes doing great")]
    assert scope.resolved_for_someone_else(view, lexicon, span_of(view, "overdosed"), resolution)
    own = view_of("i had a rough patch last year, overdosed, but shes doing great now")
    assert not scope.resolved_for_someone_else(
        own, lexicon, span_of(own, "overdosed"), [span_of(own, "shes doing great")]
    )
    reported = view_of("dad here. he overdosed last night but hes doing ok now")
    assert not scope.resolved_for_someone_else(
        reported, lexicon, span_of(reported, "overdosed"), [span_of(reported, "hes doing ok")],
        the_client={"he", "hes"},
    )


def test_a_list_of_screening_questions_answered_no_reaches_its_last_item() -> None:
    """"asked me the usual questions, do i want to hurt myself, any thoughts of suicide, and
    i said no": the question reaches "thoughts of suicide" through the item before it."""
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR / "en.yml")
    view = view_of(
        "the dr asked me the usual questions today, do i want to hurt myself, any thoughts "
        "of suicide, and i said no"
    )
    question = [span_of(view, "asked me the usual questions")]
    answer = [span_of(view, "i said no")]
    first, last = span_of(view, "want to hurt myself"), span_of(view, "thoughts of suicide")
    assert scope.answered_no(view, lexicon, first, question, answer)
    assert not scope.answered_no(view, lexicon, last, question, answer)
    assert scope.answered_no(view, lexicon, last, question, answer, [first, last])
