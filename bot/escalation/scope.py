"""Where a matched risk phrase stands in its message: denied, hedged, past, someone else's.

These rules decide how a match's level is adjusted, the way a crisis counsellor
reads a text:

* a clear, calm denial ("i'm not suicidal", "i would never hurt myself",
  "suicidal? no.") removes the match; a hedged one ("i won't... i don't think",
  "not going to kill myself probably") still needs a human;
* history ("years ago", "when i was 16", "used to") in the match's clause, or a
  next sentence that dates it ("that was 40 years ago"), lowers a match to concern,
  unless the same clause says it is happening again; someone else's past or
  resolved event ("my cousin overdosed back in 2019, he's fine now") drops out;
* a stated time or means ("tonight", "i have the pills") raises a high match;
* a time belongs to a farewell only when said right next to it or on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.escalation.lexicon import Lexicon
from bot.escalation.normalize import BREAKS, SENTENCE_BREAK, SOFT_BREAK
from bot.escalation.view import Span, TextView

NEGATION_WINDOW = 5
LIST_REACH = 2
# A negation this close after "if" is a condition: "if my dose isnt raised tomorrow..."
CONDITION_REACH = 3
HEDGE_BEFORE = 6
HEDGE_AFTER = 4
SUBJECT_WINDOW = 8
TIMELINE_AFTER = 5
TIMELINE_BEFORE = 4
# A time goes with a farewell when it is at most this many tokens from it, in its sentence,
# or is a sentence of its own of at most this many words.
TIME_GAP = 3
LONE_TIME_WORDS = 3
# A question asked about a match ("asked if i ever...") ends at most this many tokens
# before it; its answer ("and i said no") starts at most this many after it.
QUESTION_REACH = 6
ANSWER_REACH = 10
# A word that turns the answer ("but", "lied") counts this many words after it.
TURN_REACH = 4
# At most this many words may lead a bare denial ("la verdad no", "honestly no").
DENIAL_LEAD = 2


def _clause_start(view: TextView, lexicon: Lexicon, index: int) -> int:
    """First token of the clause that holds token `index`."""
    start = index
    while start > 0:
        text = view.tokens[start - 1].text
        if text in (SENTENCE_BREAK, SOFT_BREAK) or text in lexicon.clause_breakers:
            break
        start -= 1
    return start


def _clause_end(view: TextView, lexicon: Lexicon, index: int) -> int:
    """One past the last token of the clause that holds token `index - 1`."""
    end = index
    while end < len(view.tokens):
        text = view.tokens[end].text
        if text in (SENTENCE_BREAK, SOFT_BREAK) or text in lexicon.clause_breakers:
            break
        end += 1
    return end


def negation_before(
    view: TextView, lexicon: Lexicon, span: Span, claimed: Collection[int] = ()
) -> bool:
    """A negation word shortly before the match, in its clause, with no new subject between.
    A match that carries its own negation ("no hope", "not safe", "cant go on") is not
    denied by another before it: "no energy no hope", "no im not safe"; nor is one that
    runs on past a full stop, nor one after a contrast ("not eating just waiting to...").
    A negation at a `claimed` position belongs to a risk phrase of its own and denies
    nothing after it: "ya no aguanto mas me voy a matar", "no hope left going to end it"."""
    start = span[0]
    inside = [view.tokens[index].text for index in range(*span)]
    if any(text in lexicon.negation_cues and text not in lexicon.negation_stops
           for text in inside):
        return False  # "no hope", "not safe": a verb of stopping is the act ("quit my meds")
    # A match that runs on past a full stop ("...for bevs oxy. i finished the bottle") says
    # its deed after it; a negation before it ("hospice never came back") denies the first
    # sentence only.
    if SENTENCE_BREAK in inside:
        return False
    # A match that opens a clause of its own ("not eating whats the point") is out of reach,
    # as is one whose phrase took in the comma before it ("ya no aguanto mas, tengo las
    # pastillas...": the "no" is the clause before).
    if inside and (inside[0] in lexicon.clause_breakers or inside[0] in BREAKS):
        return False
    reach = NEGATION_WINDOW
    position = start - 1
    next_to = lexicon.negation_next_to
    bound = bool(inside) and inside[0] in next_to  # denied only from right before it
    leading = True  # every word so far since the match is one of `next_to`
    while position >= max(start - reach, 0):
        text = view.tokens[position].text
        if text in (SENTENCE_BREAK, SOFT_BREAK) or text in lexicon.clause_breakers:
            return False
        if text in lexicon.negation_contrast:
            return False  # "not eating, just waiting for them to fall asleep"
        if text in lexicon.negation_cues:
            if position in claimed:
                return False
            following = view.tokens[position + 1].text if position + 1 < len(view.tokens) else ""
            if following in lexicon.negation_fillers:
                return False  # "no one would..." denies nothing
            # "if i dont ...", "si no ...": a condition, not a denial
            return not any(view.tokens[before].text in lexicon.conditionals
                           for before in range(max(position - CONDITION_REACH, 0), position))
        if leading and text in next_to:
            bound = True  # "me" before "quiero morir" opens the verb group
        else:
            leading = False
            if bound:
                return False  # a word of another verb's between: "no puedo dormir me quiero..."
        if text in lexicon.subject_pronouns:
            return False
        if text in lexicon.negation_lists:
            reach += LIST_REACH  # "no urges to use or to hurt myself"
        position -= 1
    return False


def denial_after(view: TextView, lexicon: Lexicon, span: Span) -> bool:
    """The match is answered by a bare denial that ends its clause: "thoughts of hurting
    yourself? no.", "any cravings? honestly no", "cravings? nah not really"."""
    index = span[1]
    tokens = view.tokens
    if index < len(tokens) and tokens[index].text in (SENTENCE_BREAK, SOFT_BREAK):
        index += 1
    for _ in range(DENIAL_LEAD):
        if index < len(tokens) and tokens[index].text in lexicon.denial_lead:
            index += 1
    if index >= len(tokens) or tokens[index].text not in lexicon.post_negation:
        return False
    index += 1
    while index < len(tokens) and tokens[index].text in lexicon.denial_tail:
        index += 1
    return index >= len(tokens) or tokens[index].text in (SENTENCE_BREAK, SOFT_BREAK)


def hedged_negation_before(view: TextView, span: Span, phrases: Sequence[Span]) -> bool:
    """A doubtful denial before the match in its sentence: "i don't think i'll ..."."""
    if not phrases:
        return False
    sentence_start = view.sentence(span[0])[0]
    return any(
        max(sentence_start, span[0] - HEDGE_BEFORE) <= start and end <= span[0]
        for start, end in phrases
    )


def hedged(view: TextView, lexicon: Lexicon, span: Span, hedges: Sequence[Span]) -> bool:
    """A hedge just before the match, or closing the clause just after it ("... probably")."""
    if not hedges:
        return False
    # A hedge before the match counts back to its sentence's start, or to a word that
    # opens another clause: in "i might be quiet but im alright" "might" is not about
    # being alright.
    tokens = view.tokens
    reach = max(view.sentence(span[0])[0], span[0] - HEDGE_BEFORE)
    for index in range(span[0] - 1, reach - 1, -1):
        if tokens[index].text in lexicon.clause_breakers:
            reach = index + 1
            break
    for start, end in hedges:
        if reach <= start and end <= span[0]:
            return True
        between = [t.text for t in tokens[span[1] : start]]
        words_between = sum(1 for text in between if text not in (SENTENCE_BREAK, SOFT_BREAK))
        # A hedge after the words closes its clause ("... probably."), give or take one
        # word ("i don't know anymore"); "maybe just tired" goes on and is no hedge.
        # After a comma it hedges only if it comes first ("..., probably"): in "no
        # thoughts of hurting myself, no use, cravings maybe 2" it is about the cravings.
        commas = [index for index, text in enumerate(between) if text == SOFT_BREAK]
        if (
            start >= span[1]
            and words_between <= HEDGE_AFTER
            and (not commas or commas[-1] == len(between) - 1)
            and _clause_end(view, lexicon, end) <= end + 1
        ):
            return True
    return False


def in_clause(view: TextView, lexicon: Lexicon, span: Span, cues: Sequence[Span]) -> bool:
    """Some cue span lies in the same clause as the match."""
    if not cues:
        return False
    start = _clause_start(view, lexicon, span[0])
    end = _clause_end(view, lexicon, span[1])
    # A cue that opens in the clause counts even when a word of its own breaks clauses
    # ("a while back"), not when it runs on past a comma or a full stop.
    return any(
        start <= c_start and (
            c_end <= end
            or (c_start < end and not any(
                view.tokens[i].text in (SENTENCE_BREAK, SOFT_BREAK) for i in range(end, c_end)
            ))
        )
        for c_start, c_end in cues
    )


def in_sentence(view: TextView, span: Span, cues: Sequence[Span]) -> bool:
    """Some cue span lies in the same sentence as the match."""
    if not cues:
        return False
    start, _ = view.sentence(span[0])
    _, end = view.sentence(max(span[1] - 1, span[0]))
    return any(start <= c_start and c_end <= end for c_start, c_end in cues)


def answered_no(
    view: TextView,
    lexicon: Lexicon,
    span: Span,
    questions: Sequence[Span],
    answers: Sequence[Span],
    others: Sequence[Span] = (),
) -> bool:
    """The match is what someone asked about, answered no: "the doctor asked if i ever
    had thoughts of hurting myself and i said no", "me pregunto si he pensado en hacerme
    daño y le dije que no". The question stands shortly before the match in its sentence,
    or before a list of risk phrases (`others`, each shortly after the one before) that
    leads to it ("asked me the usual questions, do i want to hurt myself, any thoughts of
    suicide, and i said no"); the answer shortly after it, in that sentence or the next;
    an answer that turns ("i said no but...", "i said no. i lied") denies nothing."""
    if not questions or not answers:
        return False
    sentence_start, _ = view.sentence(span[0])
    listed = sorted(other for other in others if sentence_start <= other[0] and other[1] <= span[0])
    for q_start, q_end in questions:
        if not (sentence_start <= q_start and q_end <= span[0]):
            continue
        reach = q_end
        for start, end in listed:
            if reach <= start and start - reach <= QUESTION_REACH:
                reach = max(reach, end)
        if span[0] - reach <= QUESTION_REACH:
            break
    else:
        return False
    _, sentence_end = view.sentence(max(span[1] - 1, span[0]))
    _, next_end = view.sentence(min(sentence_end + 1, len(view.tokens)))
    tokens = view.tokens
    for a_start, a_end in answers:
        if not (span[1] <= a_start and a_end <= next_end and a_start - span[1] <= ANSWER_REACH):
            continue
        after = [t.text for t in tokens[a_end : a_end + TURN_REACH + 2] if not t.is_break]
        if not lexicon.answer_turns.isdisjoint(after[:TURN_REACH]):
            continue  # "i said no. but i lied", "i said no which was a lie"
        return True
    return False


def recurs(view: TextView, lexicon: Lexicon, span: Span, cues: Sequence[Span]) -> bool:
    """The message says the past of the match is back, anywhere outside the match and not
    denied: "i overdosed last year. been thinking about doing it again", "hace 5 años
    intenté quitarme la vida y ahora tengo las mismas ganas"; not "i never want to feel
    that way again"."""
    return any(
        (end <= span[0] or span[1] <= start) and not negation_before(view, lexicon, (start, end))
        for start, end in cues
    )


def dated_after(view: TextView, span: Span, cues: Sequence[Span]) -> bool:
    """The match is dated after it: the next sentence opens by dating it ("i took a bottle
    of pills. that was 40 years ago"), or a later clause of its own sentence does ("i told
    her about when i was in the hospital, but that was 12 years ago")."""
    if not cues:
        return False
    _, end = view.sentence(max(span[1] - 1, span[0]))
    return any(start == end + 1 or span[1] <= start < end for start, _ in cues)


def timeline_near(view: TextView, span: Span, cues: Sequence[Span]) -> bool:
    """A stated time right around the match: "kill myself tonight", "tonight i'll end it"."""
    if not cues:
        return False
    sentence_start, _ = view.sentence(span[0])
    _, sentence_end = view.sentence(max(span[1] - 1, span[0]))
    return any(
        (span[1] <= start <= span[1] + TIMELINE_AFTER and end <= sentence_end)
        or (max(sentence_start, span[0] - TIMELINE_BEFORE) <= start and end <= span[0])
        for start, end in cues
    )


def about_someone_else(
    view: TextView,
    lexicon: Lexicon,
    span: Span,
    story: Sequence[Span] = (),
    the_client: Collection[str] = (),
    frames: Sequence[Span] = (),
) -> bool:
    """The nearest subject before (or inside) the match is another person, not the client.

    `story`: the cues of a story told in the match's sentence (the news, a show). Their
    own words ("i saw on the news") are not the subject, and a match that is a thing
    told about (after a determiner or a preposition), with nobody named, is the story's:
    "vi en las noticias lo de la sobredosis en el parque", "ODs from bad pills going
    around". A match that is something done ("after
    that show about overdose took all my pills") is not: texting drops the "i".
    `the_client`: pronouns that mean the client, in a message someone sends about them
    ("dad here. he told me he tried to hang himself last year"). `frames`: where that
    message names the client ("este es el cel de mi hija, se corto los brazos anoche"):
    those words are not another person."""
    inside = [token.text for token in view.tokens[span[0] : span[1]]]
    if inside[0] in lexicon.first_person:
        return False  # "intenté quitarme la vida", "me corté": the verb says who
    if span[0] > 0 and view.tokens[span[0] - 1].text in lexicon.possessives:
        return False  # "my mom keeps bringing up my suicide attempt"
    owner = 1 if len(inside) > 2 and inside[0] in lexicon.prepositions else 0
    if (len(inside) > owner + 1 and inside[owner] in lexicon.possessives
            and inside[owner + 1] not in lexicon.third_party):
        return False  # "my overdose last year", "(told me) about my overdose"; not "my friend"
    # Inside the match a word that is also a determiner is one ("me tome todo el frasco"),
    # and a preposition's object is nobody's doing ("me cortaba de chava").
    if any(text in lexicon.third_party and text not in the_client
           and text not in lexicon.determiners
           and not _after_preposition(view, lexicon, span[0] + offset)
           for offset, text in enumerate(inside)):
        return True
    if story and (
        any(text in lexicon.first_person for text in inside)
        or span[0] == 0
        or (view.tokens[span[0] - 1].text not in lexicon.determiners
            and not _after_preposition(view, lexicon, span[0])
            # the story's own words run into the match: "show had an overdose scene"
            and not any(start < span[0] < end for start, end in story))
    ):
        story = ()  # told as the client's own doing: read as any other match
    sentence_start, _ = view.sentence(span[0])
    for index in range(span[0] - 1, max(sentence_start, span[0] - SUBJECT_WINDOW) - 1, -1):
        if any(start <= index < end for start, end in (*story, *frames)):
            continue
        text = view.tokens[index].text
        if _told_to(view, lexicon, index):
            continue  # "my coworker told me about his suicide attempt": told to the client
        if text in lexicon.first_person or text in the_client:
            return False
        if (
            text in lexicon.third_party
            and not _after_preposition(view, lexicon, index)
            and not _an_article(view, lexicon, index)
        ):
            return True
    return bool(story)


def names_the_client(view: TextView, lexicon: Lexicon, span: Span) -> bool:
    """The match has the client in it: "going to stab me", "me va a matar"."""
    return any(view.tokens[index].text in lexicon.first_person for index in range(*span))


def resolved_for_someone_else(
    view: TextView,
    lexicon: Lexicon,
    span: Span,
    resolutions: Sequence[Span],
    the_client: Collection[str] = (),
) -> bool:
    """Later in the match's sentence someone else is said to be well now, and the client
    is nowhere in it before: "my friend from rehab had a rough patch last year, overdosed
    and everything, but shes doing amazing now" (the friend is further back than a
    subject is looked for)."""
    sentence_start, sentence_end = view.sentence(span[0])
    if any(view.tokens[i].text in lexicon.first_person for i in range(sentence_start, span[1])):
        return False
    return any(
        span[1] <= start < sentence_end
        and view.tokens[start].text in lexicon.third_party
        and view.tokens[start].text not in the_client
        for start, _ in resolutions
    )


def _told_to(view: TextView, lexicon: Lexicon, index: int) -> bool:
    """The client's word at `index` is an object followed by a preposition: what comes
    after is what they were told or shown, not their own doing ("told me about")."""
    following = index + 1
    return (
        following < len(view.tokens)
        and view.tokens[following].text in lexicon.prepositions
        and view.tokens[index].text in lexicon.objects
    )


def _after_preposition(view: TextView, lexicon: Lexicon, index: int) -> bool:
    """The word at `index` is a preposition's object, never the subject of what follows:
    "cuando estaba en el ejercito" ("el" is also "him"), "de nino" (as a child)."""
    return index > 0 and view.tokens[index - 1].text in lexicon.prepositions


def _an_article(view: TextView, lexicon: Lexicon, index: int) -> bool:
    """The word at `index` is an article before a noun of time, not a pronoun: "el año
    pasado intente matarme" (the client's own past; "el" is also "him")."""
    following = index + 1
    return (
        view.tokens[index].text in lexicon.determiners
        and following < len(view.tokens)
        and view.tokens[following].text in lexicon.article_nouns
    )


def time_goes_with(view: TextView, time: Span, farewells: Sequence[Span]) -> bool:
    """Whether a stated time belongs to a farewell: said right next to it ("im done, tonight")
    or on its own ("its decided. tonight"), not about something else later in the text
    ("im done. going to bed now")."""
    if any(time[0] < cue[1] and cue[0] < time[1] for cue in farewells):
        return True  # the farewell names its own time: "hoy se termina todo"
    start, end = view.sentence(time[0])
    if sum(not token.is_break for token in view.tokens[start:end]) <= LONE_TIME_WORDS:
        return True
    return any(
        view.sentence(cue[0])[0] == start
        and (time[0] - cue[1] if time[0] >= cue[1] else cue[0] - time[1]) <= TIME_GAP
        for cue in farewells
    )
