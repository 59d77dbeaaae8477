"""Tests for bot/escalation/risk.py: the examples of the issue, and the figures on labelled sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.escalation.evaluate import TARGETS, format_report, load_labelled, measure
from bot.escalation.risk import LexiconRiskDetector, default_detector, default_lexicon_detector
from bot.escalation.types import RiskLevel

DATA = Path(__file__).resolve().parents[2] / "data" / "risk" / "examples"
NONE, CONCERN, HIGH, IMMINENT = (
    RiskLevel.NONE, RiskLevel.CONCERN, RiskLevel.HIGH, RiskLevel.IMMINENT,
)


@pytest.fixture(scope="module")
def detector() -> LexiconRiskDetector:
    return default_detector()


# (text, lang, lowest acceptable level, highest acceptable level)
ISSUE_EXAMPLES = [
    # the headline: a place, finality and a farewell
    ("i'm on the overpass and i'm done, goodbye", "en", IMMINENT, IMMINENT),
    ("im on the overpass and im done goodbye", "en", IMMINENT, IMMINENT),
    # imminent: intent, plan, means, timeline, attempt or overdose, goodbye, command hallucinations
    ("im going to kill myself tonight", "en", IMMINENT, IMMINENT),
    ("i have a plan to end it", "en", IMMINENT, IMMINENT),
    ("6 — btw been stockpiling my meds", "en", IMMINENT, IMMINENT),
    ("i took all my pills", "en", IMMINENT, IMMINENT),
    ("goodbye everyone, this is my last message", "en", IMMINENT, IMMINENT),
    ("the voices are telling me to kill myself", "en", IMMINENT, IMMINENT),
    # high: active thoughts, recent self-harm, harm to others, danger from someone
    ("i want to kill myself", "en", HIGH, IMMINENT),
    ("i cut myself last night", "en", HIGH, IMMINENT),
    ("i want to hurt my boss", "en", HIGH, IMMINENT),
    ("my boyfriend hit me and i'm scared", "en", HIGH, IMMINENT),
    # concern: passive wish, hopelessness, relapse, craving, medication, past thoughts
    ("sometimes i wish i could go to sleep and not wake up", "en", CONCERN, IMMINENT),
    ("what's the point anymore, nothing will get better", "en", CONCERN, IMMINENT),
    ("i relapsed", "en", CONCERN, IMMINENT),
    ("cravings are really bad today", "en", CONCERN, IMMINENT),
    ("i stopped taking my meds", "en", CONCERN, IMMINENT),
    ("ran out of my meds on friday", "en", CONCERN, IMMINENT),
    ("the side effects are really bad", "en", CONCERN, IMMINENT),
    ("i was suicidal years ago", "en", CONCERN, IMMINENT),
    # real texting: typos, slang and euphemism, emoji
    ("i want to kll myself", "en", HIGH, IMMINENT),
    ("feeling suicdal", "en", HIGH, IMMINENT),
    ("i think i overdossed", "en", HIGH, IMMINENT),
    ("kms", "en", HIGH, IMMINENT),
    ("i want to unalive myself", "en", HIGH, IMMINENT),
    ("thinking about sewerslide", "en", HIGH, IMMINENT),
    ("im gonna off myself", "en", HIGH, IMMINENT),
    ("i just want to end it", "en", HIGH, IMMINENT),
    ("did a line of fent and he is nodding out", "en", HIGH, IMMINENT),
    ("relapsed last night", "en", CONCERN, IMMINENT),
    ("i want to die 😭", "en", HIGH, IMMINENT),
    # Spanish
    ("me quiero morir", "es", HIGH, IMMINENT),
    ("me tomé todas las pastillas", "es", IMMINENT, IMMINENT),
    ("recaí anoche", "es", CONCERN, IMMINENT),
    # buried in a long message or appended to a check-in answer
    (
        "work was fine, had lunch with my sister, the bus was late again and honestly "
        "i keep thinking about killing myself",
        "en", HIGH, IMMINENT,
    ),
    ("2 — and honestly I want to end it", "en", HIGH, IMMINENT),
    # reports by family
    ("his sister here, he says he wants to disappear for good", "en", HIGH, IMMINENT),
    # negation: a clear, calm denial lowers; a hedged one still needs a human
    ("not suicidal, just stressed about rent", "en", NONE, NONE),
    ("i won't do anything... i don't think", "en", HIGH, IMMINENT),
    # idioms and ordinary talk
    ("this heat is killing me", "en", NONE, NONE),
    ("I could strangle my printer", "en", NONE, NONE),
    ("my laptop died", "en", NONE, NONE),
    ("I slayed that exam", "en", NONE, NONE),
    ("me muero de risa", "es", NONE, NONE),
    ("estoy muerta de sueño", "es", NONE, NONE),
    ("my cousin overdosed back in 2019, he's fine now", "en", NONE, NONE),
    # "make it" both ways: hope stays quiet, its absence does not, nor hope about being gone
    ("i'm going to make it", "en", NONE, NONE),
    ("im gonna be ok, thanks for checking", "en", NONE, NONE),
    ("i can make it at 3", "en", NONE, NONE),
    ("im not going to make it", "en", CONCERN, IMMINENT),
    ("i dont think im gonna make it", "en", CONCERN, IMMINENT),
    ("i'm going to be okay once i'm gone", "en", HIGH, IMMINENT),
]


@pytest.mark.parametrize(("text", "lang", "lowest", "highest"), ISSUE_EXAMPLES)
def test_issue_examples_get_their_level(
    detector: LexiconRiskDetector, text: str, lang: str, lowest: RiskLevel, highest: RiskLevel
) -> None:
    """Every example of the issue comes out between its lowest and highest acceptable level."""
    level = detector.assess(text, lang).level
    assert lowest <= level <= highest, f"{text!r}: {level.label}"


# Farewell and finality read together with a place, a means or a time.
COMPOSED = [
    ("parked by the bridge. i'm done", "en", IMMINENT),
    ("on the roof. tell my kids i love them", "en", IMMINENT),
    ("this is the last text you'll get from me", "en", HIGH),
    ("i'm done. i can't do this anymore. bye", "en", HIGH),
    ("estoy en el puente, ya me cansé. adiós", "es", IMMINENT),
]


@pytest.mark.parametrize(("text", "lang", "lowest"), COMPOSED)
def test_finality_with_a_place_or_time_is_raised(
    detector: LexiconRiskDetector, text: str, lang: str, lowest: RiskLevel
) -> None:
    """A farewell next to a place, a means or a time is raised; two farewells are high."""
    assert detector.assess(text, lang).level >= lowest


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("i'm done with my shift, heading home", "en"),
        ("im done! see you tomorrow", "en"),
        ("goodbye 2025, hello new year", "en"),
        ("on the roof fixing the gutters, call you after", "en"),
        ("we're going to the bridge for the fireworks tonight", "en"),
        ("ok bye, see you tomorrow", "en"),
        ("last text from me tonight, going to bed. good night!", "en"),
        ("ya terminé, adiós y gracias", "es"),
    ],
)
def test_places_and_farewells_alone_stay_quiet(
    detector: LexiconRiskDetector, text: str, lang: str
) -> None:
    """A place, a time or an ordinary goodbye on its own is ordinary talk."""
    assert detector.assess(text, lang).level == NONE


def test_evidence_quotes_the_clients_words(detector: LexiconRiskDetector) -> None:
    """The evidence names the rule and the span as the client wrote it."""
    assessment = detector.assess("I'm on the OVERPASS and I'm done, goodbye", "en")
    assert assessment.category == "suicide"
    assert any("OVERPASS" in e.span for e in assessment.evidence)


def _assert_meets_targets(files: list[Path]) -> None:
    messages = [m for file in files for m in load_labelled(file)]
    report = measure(default_detector(), messages)
    assert report.meets_targets(), "\n" + format_report(report, show_misses=True)


def test_labelled_set_meets_the_targets() -> None:
    """On our own labelled set: crisis >= 98 % high, concern >= 90 %, ordinary <= 5 % flagged."""
    _assert_meets_targets([DATA / "en.jsonl", DATA / "es.jsonl", DATA / "negatives.jsonl"])


def test_held_out_set_meets_the_targets() -> None:
    """On messages written apart from the lexicon the same targets hold."""
    _assert_meets_targets(sorted(DATA.glob("heldout*.jsonl")))


def test_every_language_keeps_false_positives_low() -> None:
    """No set and no language flags more than 5 % of ordinary messages."""
    messages = [m for m in load_labelled(DATA) if m.label == "none"]
    report = measure(default_detector(), messages)
    for (label, lang), cell in report.cells.items():
        assert cell.rate <= TARGETS["none"], f"{label}/{lang}: {cell.rate:.1%}"


# Phrase families widened after batch18: checked on the lexicon alone, so the learned
# backstop (which trains on the examples) cannot hide a gap. (text, lang, lowest, highest)
LEXICON_FAMILIES = [
    ("in the garage w the engine running", "en", IMMINENT, IMMINENT),
    ("burned my arm w a cigarette again", "en", HIGH, IMMINENT),
    ("picking at my skin til it bleeds", "en", HIGH, IMMINENT),
    ("gonna jump off the parking deck tonight", "en", IMMINENT, IMMINENT),
    ("going to step in front of the 6:15 bus", "en", HIGH, IMMINENT),
    ("i keep imagining how i would do it", "en", IMMINENT, IMMINENT),
    ("she drove out to the lake to end it all", "en", IMMINENT, IMMINENT),
    ("i wont be alive by the weekend", "en", IMMINENT, IMMINENT),
    ("my ex threw a bottle at my head", "en", HIGH, IMMINENT),
    ("the voices keep whispering that i have to cut", "en", IMMINENT, IMMINENT),
    ("i heard someone whispering my name", "en", CONCERN, IMMINENT),
    ("picked up again last week", "en", CONCERN, IMMINENT),
    ("had 3 or 4 drinks at the party", "en", CONCERN, IMMINENT),
    ("desperate for a hit rn", "en", CONCERN, IMMINENT),
    ("cravings have been relentless", "en", CONCERN, IMMINENT),
    ("he hasnt been taking his meds", "en", CONCERN, IMMINENT),
    ("cant see my life ever changing", "en", CONCERN, IMMINENT),
    ("wouldnt care if a truck hit me", "en", CONCERN, IMMINENT),
    ("tengo guardadas mis pastillas", "es", IMMINENT, IMMINENT),
    ("la voz me grita que me lance del puente", "es", IMMINENT, IMMINENT),
    ("me meti una linea y creo que me pase", "es", HIGH, IMMINENT),
    ("estoy en el puente, llego la hora de irme", "es", IMMINENT, IMMINENT),
    ("no puedo dejar de pensar en tomar", "es", CONCERN, IMMINENT),
    # and the ordinary readings stay quiet
    ("going w my mom to the store, wait til friday", "en", NONE, NONE),
    ("i wont be around on friday, can we move it?", "en", NONE, NONE),
    ("my boss threw a ton of work at me", "en", NONE, NONE),
    ("drove past my old school today", "en", NONE, NONE),
    ("i dont see things getting better with my landlord", "en", NONE, NONE),
    ("shooting some hoops after work", "en", NONE, NONE),
    ("no side effects so far", "en", NONE, NONE),
    ("salgo del trabajo, ya es hora de irme a casa", "es", NONE, NONE),
    ("no dejo de pensar en ti", "es", NONE, NONE),
    # kitchen, breakfast and ball games: everyday words that look like harm or use
    ("ya se me quemo la primera tortilla, como siempre", "es", NONE, NONE),
    ("se me pego el frijol, toda la casa huele a quemado jaja", "es", NONE, NONE),
    ("estoy cortando cebolla y estoy llorando como en novela jaja", "es", NONE, NONE),
    ("bn gracias, ya desayune y me tome todo", "es", NONE, NONE),
    ("she got a hit in the second inning and ran the bases", "en", NONE, NONE),
    # ... while the harm and the use they look like are still read
    ("mi esposo me pego otra vez", "es", HIGH, IMMINENT),
    ("me queme el brazo con la plancha a proposito", "es", HIGH, IMMINENT),
    ("me tome todo el frasco", "es", IMMINENT, IMMINENT),
    ("took a hit off the pipe last night", "en", CONCERN, IMMINENT),
    # a sister's report of an overdose: "esta bien morado" is "very blue", not "fine"
    ("soy la hermana de luis, se metio algo y no despierta, esta bien morado", "es",
     IMMINENT, IMMINENT),
    ("mi primo tuvo una sobredosis el ano pasado pero ya esta bien", "es", NONE, NONE),
    ("tengo las pastillas aqui y esta noche me las tomo todas", "es", IMMINENT, IMMINENT),
    ("god is telling me i need to walk into traffic", "en", IMMINENT, IMMINENT),
    # a drug cut with fentanyl and the body failing; using until it kills
    ("did a line but def had fetty in it, chest feels tight and i cant feel my fingers", "en",
     IMMINENT, IMMINENT),
    ("im just gonna keep using till my heart gives out", "en", IMMINENT, IMMINENT),
    # commands heard, a veiled goodbye, a plan in Spanish
    ("the voice says cut it out. ive already started", "en", IMMINENT, IMMINENT),
    ("voices r back they say walk into traffic", "en", IMMINENT, IMMINENT),
    ("i have to prove it by walking into traffic", "en", IMMINENT, IMMINENT),
    ("dont worry about rescheduling thursday, i wont be here by then", "en", HIGH, IMMINENT),
    ("y si, tengo pensado matarme este fin de semana", "es", IMMINENT, IMMINENT),
    ("me queme con la plancha a proposito", "es", HIGH, IMMINENT),
    # recovery slang, missed doses, giving up on treatment
    ("went back out this weekend not gonna lie", "en", CONCERN, IMMINENT),
    ("used once on friday, tranq", "en", CONCERN, IMMINENT),
    ("didnt pick up my methadone today or yesterday, no ride", "en", CONCERN, IMMINENT),
    ("all i can think about is a drink", "en", CONCERN, IMMINENT),
    ("whats the point of treatment honestly. im always gonna be an addict", "en",
     CONCERN, IMMINENT),
    ("anoche me di un pase con mi primo", "es", CONCERN, IMMINENT),
    ("las ganas estan bien fuertes hoy", "es", CONCERN, IMMINENT),
    ("el medicamento nuevo me tiene con temblores", "es", CONCERN, IMMINENT),
    # ... and what they look like
    ("pruning my roses today, got stabbed by thorns like 50 times", "en", NONE, NONE),
    ("he got stabbed by his brother last night", "en", HIGH, IMMINENT),
    ("they say jump in, the water is warm", "en", NONE, NONE),
    ("going back out to the store, need anything?", "en", NONE, NONE),
    ("all i can think about is a pizza", "en", NONE, NONE),
    ("me queme con la plancha sin querer", "es", NONE, NONE),
    # batches 25 and 26: delusions that command harm, use after clean time, threats
    ("god keeps telling me my wife is a demon and i need to cleanse the house", "en",
     IMMINENT, IMMINENT),
    ("they said i need to stop eating or my family dies", "en", HIGH, IMMINENT),
    ("just drank half a bottle of vodka on top of my klonopin", "en", IMMINENT, IMMINENT),
    ("shot up after 8 months clean, used the same amount as before", "en", HIGH, IMMINENT),
    ("gonna shoot up the whole group session tmrw", "en", HIGH, IMMINENT),
    ("mi esposo me acaba de pegar y dice que si me voy me mata", "es", HIGH, IMMINENT),
    ("me inyecte lo mismo que antes de la clinica", "es", HIGH, IMMINENT),
    ("if a truck hit me i wouldnt be mad about it", "en", CONCERN, IMMINENT),
    ("i picked back up on the pills, like 3 days now", "en", CONCERN, IMMINENT),
    ("drank at my brothers wedding", "en", CONCERN, IMMINENT),
    ("my pharmacy is out of bupe til monday", "en", CONCERN, IMMINENT),
    ("the new med is making my tongue and jaw do weird movements i cant control", "en",
     CONCERN, IMMINENT),
    ("la verdad me da igual si me muero", "es", CONCERN, IMMINENT),
    ("mi mama dejo de tomar sus pastillas hace 10 dias", "es", CONCERN, IMMINENT),
    ("she keeps saying she'll kill me if i tell anyone", "en", HIGH, IMMINENT),
    ("me siento sin ganas de vivir", "es", HIGH, IMMINENT),
    ("sin ti no quiero vivir", "es", HIGH, IMMINENT),
    # ... and their everyday look-alikes
    ("the bengals are gonna be the death of me fr", "en", NONE, NONE),
    ("lmaooo my sister said she's gonna kill me if I spoil the finale", "en", NONE, NONE),
    ("cut my finger chopping onions lmao blood everywhere but its fine", "en", NONE, NONE),
    ("yes i got the narcan kit from the front desk, keeping it in the car", "en", NONE, NONE),
    ("3/10 anxiety today, 0 cravings, 0 use", "en", NONE, NONE),
    ("se me quemo el arroz otra vez jaja mi suegra me va a matar", "es", NONE, NONE),
    ("mi jefe me va a matar si llego tarde otra vez", "es", NONE, NONE),
    ("mi esposo me va a matar si llego tarde", "es", HIGH, IMMINENT),
    # ... but not from a partner, a parent, or without the laugh
    ("mi papa me va a matar", "es", HIGH, IMMINENT),
    ("jaja mi esposo me va a matar", "es", HIGH, IMMINENT),
    ("he said he's gonna kill me if i'm late again", "en", HIGH, IMMINENT),
    ("my husband will kill me if i wear that", "en", HIGH, IMMINENT),
    ("estoy bien, sin pensamientos de hacerme daño, solo cansado del trabajo", "es",
     NONE, NONE),
    # A match that carries its own negation is not denied by another before it
    ("no sleep no hope no nothing", "en", CONCERN, HIGH),
    ("no. im not safe here", "en", HIGH, IMMINENT),
    ("no thoughts of hurting myself, just tired", "en", NONE, NONE),
    # Someone else's story with nobody named: the seeing words are not the subject
    ("saw on the news an overdose at the bus station, so sad", "en", NONE, NONE),
    ("vi en el noticiero lo de la sobredosis en la escuela", "es", NONE, NONE),
    ("saw the news about the overdoses and now i want to use", "en", CONCERN, CONCERN),
    # ... but a story does not take what the client did: texting drops the "i"
    ("after watching that show about overdose took all my pills", "en", IMMINENT, IMMINENT),
    ("read an article about overdose and just took 40 of my pills", "en", IMMINENT, IMMINENT),
    ("vi una noticia de sobredosis y me tome todo el frasco", "es", IMMINENT, IMMINENT),
    ("my uncle overdosed 3 yrs ago, we visit his grave today", "en", NONE, NONE),
    # Putting things in order, twice over, is a goodbye; once is not
    ("deleted my facebook, closed my bank account, tying up loose ends", "en", HIGH, IMMINENT),
    ("deleted my instagram to focus on recovery", "en", NONE, NONE),
    ("i wont be here by sunday", "en", IMMINENT, IMMINENT),
    ("i wont be around on friday, at work all day", "en", NONE, NONE),
    ("wont be around tomorrow, going to my moms house", "en", NONE, NONE),
    ("wont need the refill anymore. take care of each other", "en", HIGH, IMMINENT),
    ("le regale mi gato a mi prima y ya esta todo arreglado", "es", HIGH, IMMINENT),
    # Means, researching a height or a dose, an insurance question, exhaust in a garage
    ("the extension cord is tied already. thanks for all your help", "en", IMMINENT, IMMINENT),
    ("googled how tall the parking garage downtown is", "en", IMMINENT, IMMINENT),
    ("how many of my trazodone is too many", "en", HIGH, IMMINENT),
    ("does life insurance pay out if it was suicide", "en", HIGH, IMMINENT),
    ("tonight ill make it stop for good", "en", IMMINENT, IMMINENT),
    ("motor prendido y la cochera cerrada", "es", IMMINENT, IMMINENT),
    ("cuantas de sertralina se necesitan pa no despertar", "es", IMMINENT, IMMINENT),
    ("me tome mis pastillas, todo el frasco", "es", IMMINENT, IMMINENT),
    # Hiding cuts, commanded bloodletting, a relative raging about killing someone
    ("can i get stitches without them calling anyone", "en", HIGH, IMMINENT),
    ("the voices say i have to drain my blood", "en", IMMINENT, IMMINENT),
    ("my son keeps talking about killing his boss", "en", HIGH, IMMINENT),
    # Thoughts coming back, a weekend's drinking, nodding at work, a relative off meds
    ("the dark thoughts came back this week", "en", CONCERN, HIGH),
    ("i drank friday like a lot", "en", CONCERN, CONCERN),
    ("got caught nodding at work", "en", CONCERN, CONCERN),
    ("shes been off her meds for a month", "en", CONCERN, CONCERN),
    ("antojo bien fuerte hoy", "es", CONCERN, CONCERN),
    ("casi le marco a mi dealer anoche", "es", CONCERN, CONCERN),
    # Concrete acts: a crash planned, pills from several pharmacies, insulin stopped,
    # a tool used on the skin, a loaded rifle and "i don't know why i'm writing"
    ("gonna drive my truck into the guardrail on the overpass", "en", IMMINENT, IMMINENT),
    ("voy a estrellar la camioneta contra un arbol", "es", IMMINENT, IMMINENT),
    ("filling my prescriptions at different pharmacies so nobody notices", "en",
     IMMINENT, IMMINENT),
    ("stopped my insulin on purpose and im not going to start", "en", HIGH, IMMINENT),
    ("used a pencil sharpener blade on my thighs again", "en", HIGH, IMMINENT),
    ("tengo la escopeta cargada aqui, no se para que te escribo", "es", IMMINENT, IMMINENT),
    ("her story said see u never and shes at the bridge", "en", IMMINENT, IMMINENT),
    # ... and their look-alikes
    ("cleaned my rifle for deer camp this weekend", "en", NONE, NONE),
    ("driving my truck to the lake tomorrow for fishing", "en", NONE, NONE),
    ("kms this chem homework lol", "en", NONE, NONE),
    ("this homework makes me want to kill myself", "en", HIGH, IMMINENT),
    ("este calor me va a matar", "es", NONE, NONE),
    # Concern: always being like this, side effects, shadows, names called, a bottle
    ("why do i even bother with therapy, ill always be this way", "en", CONCERN, HIGH),
    ("my adderall makes me throw up every morning", "en", CONCERN, CONCERN),
    ("keep seeing shadows moving in the hallway at night", "en", CONCERN, CONCERN),
    ("oigo que me llaman por mi nombre y no hay nadie", "es", CONCERN, CONCERN),
    ("counting the hours til i can go buy a fifth", "en", CONCERN, CONCERN),
    ("si me atropellara un camion no pasaria nada", "es", CONCERN, HIGH),
    # An overdose as it happens, said by the one using or the one watching
    ("my roommate just collapsed after a bump, hes gurgling", "en", IMMINENT, IMMINENT),
    ("giving him rescue breaths now", "en", IMMINENT, IMMINENT),
    ("did a shot and now everything is going black", "en", IMMINENT, IMMINENT),
    ("i just used the same batch and cant breathe", "en", IMMINENT, IMMINENT),
    ("used to run every day and now i cant breathe on the stairs lol", "en", NONE, NONE),
    ("pretty sure the bag was laced, heart is pounding", "en", HIGH, IMMINENT),
    ("came home from prison and did my usual amount", "en", HIGH, IMMINENT),
    ("revolvi clonazepam con tequila", "es", HIGH, IMMINENT),
    ("gonna take all of them at once", "en", HIGH, IMMINENT),
    ("been keeping a noose hidden behind the water heater", "en", HIGH, IMMINENT),
    ("hope my family can forgive me. this is it", "en", HIGH, IMMINENT),
    ("no estoy seguro de poder cuidarme hoy", "es", HIGH, IMMINENT),
    # Treatment and use: doses missed or sold, withdrawal, back on, kratom by the gram
    ("missed my methadone twice this week", "en", CONCERN, CONCERN),
    ("pharmacy was closed and no take homes this weekend", "en", CONCERN, CONCERN),
    ("selling my take homes to cover the light bill", "en", CONCERN, CONCERN),
    ("back on the pipe since friday", "en", CONCERN, CONCERN),
    ("up to about 20 grams a day of kratom", "en", CONCERN, CONCERN),
    ("la clinica de metadona cerro y no me dieron dosis para llevar", "es", CONCERN, CONCERN),
    ("volvi a darle al pisto esta semana", "es", CONCERN, CONCERN),
    ("no le veo sentido a levantarme", "es", CONCERN, CONCERN),
    # ... and harm reduction, an anniversary, a reflexive "no se", the plain words
    ("showed my sister how to use narcan", "en", NONE, NONE),
    ("traigo mi naloxona en la bolsa", "es", NONE, NONE),
    ("my brother overdosed 4 years ago today, we lit a candle, doing alright", "en", NONE, NONE),
    ("no se preocupen, no estoy tomando", "es", NONE, NONE),
    ("no me voy a matar... no se", "es", HIGH, IMMINENT),
    ("gonna knock out this paperwork tonight", "en", NONE, NONE),
    ("my therapist asked about suicidal thoughts and i said no", "en", NONE, NONE),
    # Someone texting about the client: "he" is the client, so his past is history
    ("his sister here. he overdosed last year and never told anyone", "en", CONCERN, CONCERN),
    ("soy la mama de Ana, ella intento matarse el ano pasado", "es", CONCERN, CONCERN),
    # ... but another person they name is still someone else
    ("his mom here, his cousin overdosed years ago", "en", NONE, NONE),
    ("my uncle tried to kill himself years ago", "en", NONE, NONE),
    # Batches 33 and 34: an act "on purpose" beats the accident it looks like; a hedged
    # answer to "are you safe"; side effects after a new dose; being watched; and a word
    # after a preposition ("de nino", "en el") is no one else
    ("burnt myself with the iron on purpose last night", "en", HIGH, IMMINENT),
    ("burned myself with the curling iron doing my hair", "en", NONE, NONE),
    ("took my uncles machete just in case the guards try to stop me", "en", HIGH, IMMINENT),
    ("seeing double since the new dose", "en", CONCERN, CONCERN),
    ("these pills turn me into a zombie", "en", CONCERN, CONCERN),
    ("meds? nope, havent in like 4 days", "en", CONCERN, CONCERN),
    ("not being here would feel like a relief honestly", "en", CONCERN, CONCERN),
    ("r u safe tonight - ya i guess", "en", CONCERN, HIGH),
    ("told myself one drink and one drink turned into the whole bottle", "en", CONCERN, CONCERN),
    ("pretty sure my apartment is bugged", "en", CONCERN, CONCERN),
    ("no mames, i drank again saturday", "en", CONCERN, CONCERN),
    ("me tome las que quedaban para no despertar", "es", HIGH, IMMINENT),
    ("quisiera dormir pa no despertar", "es", CONCERN, CONCERN),
    ("ya quiero estrellar el carro contra un poste", "es", HIGH, IMMINENT),
    ("creo que los de enfrente me estan vigilando", "es", CONCERN, CONCERN),
    ("no se para que sigo aqui", "es", CONCERN, CONCERN),
    ("de nino en el rancho intente quitarme la vida, hace muchos anos", "es", CONCERN, CONCERN),
    ("ganas de tomar cero esta semana", "es", NONE, NONE),
    ("ganas de consumir del 0 al 10? un 8", "es", CONCERN, CONCERN),
    ("mis hijos me graban bailando jaja", "es", NONE, NONE),
    ("cuando vivia en el norte me quise matar, hace anos", "es", CONCERN, CONCERN),
    ("anoche me quise matar", "es", HIGH, IMMINENT),
    ("me queria morir de la verguenza jaja", "es", NONE, NONE),
    ("the police are listening to the new podcast", "en", NONE, NONE),
    # Batches 35 and 36: crises told through arrangements (papers left out, tubing, the
    # train's times, treatment stopped on purpose), and the ordinary things they look like
    ("bought tubing at the hardware store to run from the exhaust", "en", IMMINENT, IMMINENT),
    ("sat by the crossing to check when the trains come through at night", "en",
     IMMINENT, IMMINENT),
    ("yeah more than thoughts", "en", HIGH, IMMINENT),
    ("skipped chemo on purpose this month, letting the cancer win", "en", HIGH, IMMINENT),
    ("left the will on the kitchen table. its all taken care of", "en", HIGH, IMMINENT),
    ("wrote letters for my kids. by then it wont matter", "en", HIGH, IMMINENT),
    ("the voices said hurt him before he hurts me", "en", IMMINENT, IMMINENT),
    ("my old dealer hit me up last night", "en", CONCERN, CONCERN),
    ("ngl been kinda paranoid lately", "en", CONCERN, CONCERN),
    ("i cant see it ever getting better", "en", CONCERN, CONCERN),
    ("took whats left of my pills", "en", HIGH, IMMINENT),
    ("me tome las pastillas de todo el mes de un jalon", "es", HIGH, IMMINENT),
    ("le deje dicho a mi hermano donde estan las escrituras, ya no voy a ir a la quimio", "es",
     HIGH, IMMINENT),
    ("las ganas estan en 9 hoy", "es", CONCERN, CONCERN),
    ("overdosed on cold brew before the exam lol", "en", NONE, NONE),
    ("wrote a letter to my son for his graduation, made me tear up", "en", NONE, NONE),
    ("left the papers for the house with the lawyer for the closing", "en", NONE, NONE),
    ("found an old bottle in the garage and poured it out", "en", NONE, NONE),
    ("the bus comes at 6:40 so i check when it comes on the app", "en", NONE, NONE),
    ("las ganas de ir a la playa estan en 10", "es", NONE, NONE),
    # A plan told as choices made, and courage still to find; a wedding planned the same way
    ("chose the place and the time. now i just need the nerve", "en", HIGH, IMMINENT),
    ("solo me falta juntar valor, ya elegi el sitio y la hora", "es", HIGH, IMMINENT),
    ("todo listo pa no amanecer", "es", HIGH, IMMINENT),
    ("working up the courage to ask for a raise", "en", NONE, NONE),
    ("decidi el lugar y la fecha de la fiesta", "es", NONE, NONE),
    ("ya tengo todo listo, nos vemos manana en la cita", "es", NONE, NONE),
    # Batches 37 and 38: danger at home, plans told plainly or as an accident, mania,
    # purging, and the few words of men who keep a rifle for coyotes
    ("she went through my bag and found the hotline card in my wallet", "en", HIGH, IMMINENT),
    ("hes wasted and just kicked in the bedroom door", "en", HIGH, IMMINENT),
    ("gonna prove it off the roof tonight, i know i can fly", "en", IMMINENT, IMMINENT),
    ("i know how and when.", "en", IMMINENT, IMMINENT),
    ("tied a noose in the barn last night", "en", IMMINENT, IMMINENT),
    ("gonna make it look like a tractor accident so the policy pays", "en", IMMINENT, IMMINENT),
    ("signed the farm over to my daughter. sorry for wasting your time", "en", HIGH, IMMINENT),
    ("made my final arrangements. dont call my kids", "en", HIGH, IMMINENT),
    ("somebody is tampering with my food at work", "en", CONCERN, CONCERN),
    ("keep hearing my name when no one is home", "en", CONCERN, CONCERN),
    ("the itch is real bad tonight", "en", CONCERN, CONCERN),
    ("purged twice after dinner", "en", CONCERN, CONCERN),
    ("misplaced my subs when we moved", "en", CONCERN, CONCERN),
    ("some days i wish the car would just flip on its own", "en", CONCERN, CONCERN),
    ("i dont see how i come back from this", "en", CONCERN, CONCERN),
    ("ya tengo como 40 pastillas guardadas", "es", HIGH, IMMINENT),
    ("la voz me dice que el bebe esta poseido", "es", HIGH, IMMINENT),
    ("viene bien pedo y ya quebro la ventana", "es", HIGH, IMMINENT),
    ("ya se como y cuando.", "es", HIGH, IMMINENT),
    ("ya no voy a ser carga para nadie, me llevo la escopeta al cerro", "es", HIGH, IMMINENT),
    ("me provoque el vomito otra vez", "es", CONCERN, CONCERN),
    ("a veces regresan esos pensamientos", "es", CONCERN, CONCERN),
    ("my dad is gonna kill me when he sees the dent in the truck", "en", NONE, NONE),
    ("grandmas casserole is gonna kill us one of these days lol", "en", NONE, NONE),
    ("od'd on gas station coffee again", "en", NONE, NONE),
    ("signed the truck over to my son, hes got his license now", "en", NONE, NONE),
    ("cleaned the barrel and oiled the action for opening day", "en", NONE, NONE),
    ("mi compa me va a matar de la risa", "es", NONE, NONE),
    # A joke about being killed is read as one only with a parent, a boss, a chef or a
    # casserole: from a partner, or as a condition he sets, it is a threat
    ("hes gonna kill me when he finds out i told you", "en", HIGH, IMMINENT),
    ("my husband will kill me if he sees this text", "en", HIGH, IMMINENT),
    ("he said hed kill me if i dont come home", "en", HIGH, IMMINENT),
    ("hes gonna kill me one of these days", "en", HIGH, IMMINENT),
    ("he said next time he wont stop", "en", HIGH, IMMINENT),
    ("dijo que me mata si lo dejo", "es", HIGH, IMMINENT),
    ("mom will kill me if she sees my report card lol", "en", NONE, NONE),
    ("this casserole is gonna kill us one of these days", "en", NONE, NONE),
    # Violence told in words that games and feelings also use
    ("he beat me to the ground last night", "en", HIGH, IMMINENT),
    ("he beat me in front of the kids", "en", HIGH, IMMINENT),
    ("my boyfriend pushed me to the floor", "en", HIGH, IMMINENT),
    ("she hit me hard in the face", "en", HIGH, IMMINENT),
    ("he shot me a look and then hit me", "en", HIGH, IMMINENT),
    ("if he finds out he will kill me lol im serious", "en", HIGH, IMMINENT),
    ("mi esposo me mata si se entera", "es", HIGH, IMMINENT),
    ("my brother beat me at chess again", "en", NONE, NONE),
    ("she beat me to it", "en", NONE, NONE),
    ("that song hit me hard", "en", NONE, NONE),
    ("my sponsor pushed me to call my mom", "en", NONE, NONE),
    ("mi mama me mata si se entera jaja", "es", NONE, NONE),
    ("si se entera me mata mi marido", "es", HIGH, IMMINENT),
    ("me mata el si me voy", "es", HIGH, IMMINENT),
    ("me mata el calor", "es", NONE, NONE),
    ("me mata mi jefe con tanto trabajo", "es", NONE, NONE),
    # "he'll", "she'd" typed without the apostrophe
    ("if i leave him hell kill me", "en", HIGH, IMMINENT),
    ("said hed kill me if i called the cops", "en", HIGH, IMMINENT),
    ("my husband is going to kill me when he gets home", "en", HIGH, IMMINENT),
    ("me va a matar si me ve", "es", HIGH, IMMINENT),
    ("my boss is going to kill me when she sees this typo", "en", NONE, NONE),
    ("mi suegra me va a matar cuando vea el arroz quemado jaja", "es", NONE, NONE),
    # "if ... not" sets a condition; it denies nothing
    ("if i dont get home by 10 he will kill me", "en", HIGH, IMMINENT),
    ("si no me ayudan me voy a matar", "es", HIGH, IMMINENT),
    ("si no llego a casa me va a matar", "es", HIGH, IMMINENT),
    ("i dont want to kill myself", "en", NONE, NONE),
    ("no me voy a matar, solo estoy cansada", "es", NONE, NONE),
    # Batches 39 and 40: what the learned backstop caught, now in the lexicon
    ("the voices say the knife is the way", "en", HIGH, IMMINENT),
    ("doubled up on my methadone with a few bars", "en", HIGH, IMMINENT),
    ("gonna shoot up exactly like she did", "en", HIGH, IMMINENT),
    ("everythings in order. waiting for it to get dark", "en", HIGH, IMMINENT),
    ("last night i loaded the revolver", "en", HIGH, IMMINENT),
    ("i cant hold on much longer", "en", HIGH, IMMINENT),
    ("took a few too many of my pain pills", "en", HIGH, IMMINENT),
    ("his lips are blue around the edges and hes purple around the lips", "en", HIGH, IMMINENT),
    ("pretty sure that grey car is following me", "en", CONCERN, CONCERN),
    ("if i got hit by a bus on the way it would solve a lot", "en", CONCERN, CONCERN),
    ("gonna die on the couch for 10 hours after this shift", "en", NONE, NONE),
    ("the old me would have gone on a bender", "en", NONE, NONE),
    ("lit a candle at the vigil for the people we lost to overdose", "en", NONE, NONE),
    ("creo que me echan algo en la comida", "es", CONCERN, CONCERN),
    ("se me perdieron las pastillas del litio", "es", CONCERN, CONCERN),
    ("ganas de consumir: 2 de 10", "es", NONE, NONE),
    ("fui a la misa por los que murieron de sobredosis", "es", NONE, NONE),
    # Batches 41 and 42: a past dated in the next sentence, overdoses seen by a friend,
    # voices heard through a headset, leaving care, and the idioms of grandparents
    ("i took a bottle of pills. that was 40 years ago", "en", CONCERN, CONCERN),
    ("me tome un frasco de pastillas. eso fue hace 40 anos", "es", CONCERN, CONCERN),
    ("cuando estaba joven me tome un frasco de pastillas", "es", CONCERN, CONCERN),
    ("i took a bottle of pills. that was 20 minutes ago", "en", IMMINENT, IMMINENT),
    ("me tome un frasco de pastillas. eso fue hace una hora", "es", IMMINENT, IMMINENT),
    ("yes i tried once back in 94 after my divorce", "en", CONCERN, CONCERN),
    ("she is foaming at the mouth after the perc", "en", IMMINENT, IMMINENT),
    ("mi amiga se tomo algo y esta convulsionando", "es", HIGH, IMMINENT),
    ("never came back for her oxy. i finished the bottle", "en", IMMINENT, IMMINENT),
    ("shot up more than i ever used to", "en", HIGH, IMMINENT),
    ("my chest is tight and my lips feel numb", "en", IMMINENT, IMMINENT),
    ("the game keeps telling me through my headset to hurt my brother", "en", IMMINENT, IMMINENT),
    ("i keep hearing that im supposed to cut out the bad part", "en", IMMINENT, IMMINENT),
    ("no not safe.", "en", HIGH, IMMINENT),
    ("subi a la azotea pa tirarme", "es", IMMINENT, IMMINENT),
    ("me quiero tirar de la azotea", "es", HIGH, IMMINENT),
    ("the Lord will forgive me for going home early", "en", HIGH, IMMINENT),
    ("gg everyone, logging off for good 🫡", "en", HIGH, IMMINENT),
    ("shes talking about joining grandpa and gave me her wedding ring", "en", HIGH, IMMINENT),
    ("le pido a dios que ya me recoja", "es", CONCERN, CONCERN),
    ("i said id be chill if the plane went down", "en", CONCERN, CONCERN),
    ("anxiety medicine is all gone", "en", CONCERN, CONCERN),
    ("the urge for a pint was so strong today", "en", CONCERN, CONCERN),
    ("me muero por un pisto", "es", CONCERN, CONCERN),
    ("los del banco me siguen en una camioneta blanca", "es", CONCERN, CONCERN),
    ("my son hasnt left his room in 5 days", "en", CONCERN, CONCERN),
    ("cant feel anything anymore", "en", CONCERN, CONCERN),
    ("i wont be coming to appointments anymore", "en", CONCERN, CONCERN),
    ("ya no voy a ir a las citas", "es", CONCERN, CONCERN),
    ("lleva dias sin salir del cuarto", "es", CONCERN, CONCERN),
    ("feel like death warmed over after the shingles shot", "en", NONE, NONE),
    ("overdosed on sweets at the potluck", "en", NONE, NONE),
    ("read in the paper about a man who overdosed", "en", NONE, NONE),
    ("hes killing himself trying to fix the roof", "en", NONE, NONE),
    ("high on life after the grandkids visit", "en", NONE, NONE),
    ("my friend said kms when she failed her test lol", "en", NONE, NONE),
    ("mi jefe me quiere matar porque llegue tarde jaja", "es", NONE, NONE),
    ("me desmaye de la risa con los nietos", "es", NONE, NONE),
    ("ear infection is gone finally", "en", NONE, NONE),
    ("done with group for the day, heading to work", "en", NONE, NONE),
    ("my phone is gone, left it on the bus", "en", NONE, NONE),
    ("me siguen en instagram", "es", NONE, NONE),
    ("i feel fine, that was years ago", "en", NONE, NONE),
    # Batches 43 and 44: work and early recovery; a friend's, a speaker's or the news's
    # overdose is theirs, and a trivial condition makes a threat a joke
    ("they keep telling me walk into traffic", "en", IMMINENT, IMMINENT),
    ("figured out how im going out this weekend", "en", IMMINENT, IMMINENT),
    ("a plastic bag over my head would be peaceful. i have one right here", "en", HIGH, IMMINENT),
    ("took extra to make sure i dont wake up", "en", IMMINENT, IMMINENT),
    ("hoy le voy a partir la cara con el machete", "es", HIGH, IMMINENT),
    ("been buying em off a guy at the warehouse", "en", CONCERN, CONCERN),
    ("took some of my buddys oxy", "en", CONCERN, CONCERN),
    ("dirty UA yesterday", "en", CONCERN, CONCERN),
    ("salio positivo el antidoping", "es", CONCERN, CONCERN),
    ("me dan ganas de ir a buscar al que me vendia", "es", CONCERN, CONCERN),
    ("honestly done with this check in stuff", "en", CONCERN, CONCERN),
    ("everything i touch turns to crap", "en", CONCERN, CONCERN),
    ("put earplugs in so i dont wake up at 3am", "en", NONE, NONE),
    ("make sure i dont wake up the baby", "en", NONE, NONE),
    ("please stop texting me at 6am lol", "en", NONE, NONE),
    ("the test strip came back positive for fent so she threw it out", "en", NONE, NONE),
    ("news said a trucker overdosed at the truck stop", "en", NONE, NONE),
    ("a guy shared how he OD'd 3 times, hes 11 yrs now", "en", NONE, NONE),
    ("the speaker talked about losing her brother to suicide", "en", NONE, NONE),
    ("my coworker said hes gonna kill me if i eat his burrito again", "en", NONE, NONE),
    ("my sister said shed murder me if i missed her wedding", "en", NONE, NONE),
    ("my sponsor said if i send him one more meme hes gonna kill me", "en", NONE, NONE),
    ("the horror game my kid plays has so much blood", "en", NONE, NONE),
    ("the nurse asked if i ever tried to hurt myself. i said no", "en", NONE, NONE),
    ("almost relapsed last month but i called my sponsor", "en", NONE, NONE),
    ("0 on cravings", "en", NONE, NONE),
    ("mi perro se comio mi chancla otra vez, lo voy a matar jaja", "es", NONE, NONE),
    ("a que hora es el grupo de prevencion de recaidas?", "es", NONE, NONE),
    ("my husband said hed kill me if i ate his food", "en", HIGH, IMMINENT),
    ("my brother said hed kill me if i told anyone", "en", HIGH, IMMINENT),
    # Batches 45 and 46: parents of small children, quoted words, long and one-word replies
    ("bought pills off a guy, not to get high. just to have the option for later", "en",
     HIGH, IMMINENT),
    ("le pegue bien fuerte a mi nino y siento que lo voy a volver a hacer", "es", HIGH, IMMINENT),
    ("gave my dog to my cousin. wont be needing em. take care of urself", "en", HIGH, IMMINENT),
    ("had a couple pills that wernt mine", "en", CONCERN, CONCERN),
    ("had a using dream and woke up sweating", "en", CONCERN, CONCERN),
    ("havent left bed in 3 days", "en", CONCERN, CONCERN),
    ("ella no se levanta de la cama desde que nacio el bebe", "es", CONCERN, CONCERN),
    ("some days that doesnt sound so bad", "en", CONCERN, CONCERN),
    ("Not coming to group anymore. Take me off the list", "en", CONCERN, CONCERN),
    ("i know hes reporting to somebody", "en", CONCERN, CONCERN),
    ("my daughter shot her brother with a nerf gun", "en", NONE, NONE),
    ("gave the dog his heartworm pill", "en", NONE, NONE),
    ("dropped my old pills at the pharmacy take back box", "en", NONE, NONE),
    ("blood everywhere but hes fine", "en", NONE, NONE),
    ("my best friend said shed kill me if i named the baby after her ex", "en", NONE, NONE),
    ("baby shot up 2 inches at the checkup", "en", NONE, NONE),
    ("she said im gonna kill myself if this meeting goes past 5", "en", NONE, NONE),
    ("did u hear about that actor who overdosed", "en", NONE, NONE),
    ("so spicy i thought i was gonna die", "en", NONE, NONE),
    ("we're all gonna die someday so eat the cake", "en", NONE, NONE),
    ("my friend relapsed and i drove her to detox", "en", NONE, NONE),
    ("the show tonight had a guy hearing voices", "en", NONE, NONE),
    ("the rifles are locked in a safe", "en", NONE, NONE),
    ("recibi tratamiento y ahorita estoy muy bien", "es", NONE, NONE),
    # Batches 47 and 48: psychosis and its medicines, danger from others, anger held back
    ("found out i stopped my meds and choked me last nite", "en", HIGH, IMMINENT),
    ("tonight he went at his grandmother with a knife", "en", IMMINENT, IMMINENT),
    ("im meant to fly so im going off the roof to prove it", "en", IMMINENT, IMMINENT),
    ("shaky, slurring, confused and walking like shes drunk", "en", HIGH, IMMINENT),
    ("the plan is the same as before", "en", IMMINENT, IMMINENT),
    ("me eche cloro con refresco hace rato", "es", IMMINENT, IMMINENT),
    ("somebody followed me home again, same grey truck", "en", HIGH, IMMINENT),
    ("my husband has my insulin and says i get it when i behave", "en", HIGH, IMMINENT),
    ("said theyll be back w a strap", "en", HIGH, IMMINENT),
    ("my ex posted my address and said see you soon", "en", HIGH, IMMINENT),
    ("si no le pago el viernes me va a levantar. ya saben donde vivo", "es", HIGH, IMMINENT),
    ("alguien me viene siguiendo desde el trabajo", "es", HIGH, IMMINENT),
    ("su nieto lo tiene encerrado sin comida", "es", HIGH, IMMINENT),
    ("my jaw and neck got stuck pulled to the side", "en", CONCERN, CONCERN),
    ("pretty sure im a prophet now", "en", CONCERN, CONCERN),
    ("didnt pick up my clozapine this week", "en", CONCERN, CONCERN),
    ("no fui a ponerme la inyeccion del mes", "es", CONCERN, CONCERN),
    ("tengo la lengua como trabada desde la inyeccion", "es", CONCERN, CONCERN),
    ("took double my klonopin last night", "en", CONCERN, CONCERN),
    ("really wanted to beat the crap out of my roommate", "en", CONCERN, CONCERN),
    ("a veces me imagino madreandolo", "es", CONCERN, CONCERN),
    ("took my meds and went for a walk", "en", NONE, NONE),
    ("had a fight with my sister over who hosts thanksgiving", "en", NONE, NONE),
    ("my friend said shed murder me if i spoiled the finale", "en", NONE, NONE),
    ("coworker said shes gonna kill me for taking her parking spot", "en", NONE, NONE),
    ("my roommate is gonna strangle me, used all the hot water again", "en", NONE, NONE),
    ("instructor choked me out in sparring", "en", NONE, NONE),
    ("sone que me moria y me desperte riendome", "es", NONE, NONE),
    # Batches 49 and 50: crises told by understatement; veterans, farms and small towns
    ("last check in from me. wanted to leave things neat", "en", HIGH, IMMINENT),
    ("tied a belt to the closet bar just to see if it would hold", "en", IMMINENT, IMMINENT),
    ("been standing at the rail a while", "en", IMMINENT, IMMINENT),
    ("sold my rifles except one. kept one for me", "en", IMMINENT, IMMINENT),
    ("wouldnt be hard to make it look like a tractor rollover", "en", IMMINENT, IMMINENT),
    ("im taking care of the county guys when they come tomorrow", "en", HIGH, IMMINENT),
    ("ive made peace with it", "en", HIGH, IMMINENT),
    ("kinda been hoping the plane goes down on my trip", "en", CONCERN, CONCERN),
    ("had a dream i died and woke up kinda disappointed", "en", CONCERN, CONCERN),
    ("i shoulda died over there with the rest of my squad", "en", CONCERN, CONCERN),
    ("kinda hoping it comes quick", "en", CONCERN, CONCERN),
    ("dont see how this ends good", "en", CONCERN, CONCERN),
    ("use un poquito el fin de semana, nada grave", "es", CONCERN, CONCERN),
    ("my brother died 5 years ago today. im at peace with it", "en", NONE, NONE),
    ("wouldnt be hard to fix the sink", "en", NONE, NONE),
    ("writing letters for my kids to open on their 18th bdays", "en", NONE, NONE),
    ("wrote letters for my kids to open when im gone", "en", HIGH, IMMINENT),
    ("my sister said shed murder me if im late to her baby shower", "en", NONE, NONE),
    ("my nephew says hes gonna die if he doesnt get the new call of duty", "en", NONE, NONE),
    ("im gonna die if i dont get some help", "en", HIGH, IMMINENT),
    # Batches 51 and 52: teenagers and their parents; shelters, the street, release from jail
    ("im bringing my dads gun to school tmrw", "en", IMMINENT, IMMINENT),
    ("not planning on being around for my bday next week", "en", HIGH, IMMINENT),
    ("mom checked my arms and saw the new ones from this morning", "en", HIGH, IMMINENT),
    ("manana llevo la navaja de mi tio a la escuela", "es", HIGH, IMMINENT),
    ("me tome como 10 de las de dormir de mi mama con una caguama", "es", IMMINENT, IMMINENT),
    ("la encontramos con un cinturon amarrado, ya tenia el nudo hecho", "es", IMMINENT, IMMINENT),
    ("si no le mando mas fotos va a ir a mi escuela", "es", HIGH, IMMINENT),
    ("dont bother callin back after today. phone gettin shut off and so am i", "en",
     HIGH, IMMINENT),
    ("my dead mama keeps telling me to walk into traffic", "en", IMMINENT, IMMINENT),
    ("wrote my name on a paper in my pocket so they know who i am when they find me", "en",
     IMMINENT, IMMINENT),
    ("i think he put somethin in my drink", "en", HIGH, IMMINENT),
    ("cant stop thinking about going off the ferry tomorrow", "en", IMMINENT, IMMINENT),
    ("ando en el carro con la manguera conectada al escape", "es", IMMINENT, IMMINENT),
    ("lowkey been taking my brothers adderall", "en", CONCERN, CONCERN),
    ("hit a juul at the dance", "en", CONCERN, CONCERN),
    ("did a couple bumps w friends at the afterparty", "en", CONCERN, CONCERN),
    ("ya llevaba un mes sin nada", "es", CONCERN, CONCERN),
    ("estoy afuera de la licoreria pensando si entro", "es", CONCERN, CONCERN),
    ("gonna skip group for a while", "en", CONCERN, CONCERN),
    ("my cousin said he was gonna end me in smash", "en", NONE, NONE),
    ("he snores like a chainsaw i wanna strangle him lol jk", "en", NONE, NONE),
    ("lo quiero ahorcar jaja no es cierto", "es", NONE, NONE),
    ("gonna die of food poisoning one of these days", "en", NONE, NONE),
    ("its for my cousin who got shot in 2015", "en", NONE, NONE),
    ("my son will be back with his friends for dinner", "en", NONE, NONE),
    # Batches 53 and 54: quiet goodbyes beside moving house, discharge and graduation
    ("already made my peace with it so pls dont send the cops", "en", HIGH, IMMINENT),
    ("3 weeks of lithium plus the oxys left from my back surgery. should be enough", "en",
     IMMINENT, IMMINENT),
    ("been planning it all week. nobody will be home", "en", HIGH, IMMINENT),
    ("im coming back with my piece and she gonna be sorry", "en", IMMINENT, IMMINENT),
    ("hes been parked outside my apt all night", "en", HIGH, IMMINENT),
    ("kissed them goodnight for the last time. tell them i loved them", "en", HIGH, IMMINENT),
    ("the vivitrol shot spot is swollen hot and red", "en", CONCERN, CONCERN),
    ("went to the liquor store 3 times today and walked out each time", "en", CONCERN, CONCERN),
    ("my neighbors put cameras in the smoke detectors to watch me", "en", CONCERN, CONCERN),
    ("first drink in 14 months", "en", CONCERN, CONCERN),
    ("ella no sale de la cama y dice que ya nada vale la pena", "es", CONCERN, CONCERN),
    ("got a shot at the dentist and my face is numb", "en", NONE, NONE),
    ("im gonna kill my brother he borrowed my truck and brought it back on empty", "en",
     NONE, NONE),
    ("shes gonna strangle her husband for leaving dishes in the sink", "en", NONE, NONE),
    ("had a dream i was using again and woke up so relieved", "en", NONE, NONE),
    ("just wanted to say goodbye since my insurance changed", "en", NONE, NONE),
    ("my friends said theyd kill me if i skipped the bachelor party", "en", NONE, NONE),
    ("esta mudanza me esta matando", "es", NONE, NONE),
    ("mi hijo dice que lo voy a matar de verguenza", "es", NONE, NONE),
    ("el examen de calculo me va a matar jaja", "es", NONE, NONE),
    # Old idioms that had silenced a threat: only a trivial reason, never a partner
    ("my dad is going to kill my mom for leaving him", "en", HIGH, IMMINENT),
    ("my husband will kill me if i miss his call", "en", HIGH, IMMINENT),
    ("he will kill me for this", "en", HIGH, IMMINENT),
    ("mi esposo me va a matar jaja", "es", HIGH, IMMINENT),
    ("my mom will kill me if i forget her birthday", "en", NONE, NONE),
    ("im going to kill my roommate for eating my leftovers lol", "en", NONE, NONE),
    # Batches 55 and 56: grief and medicines; crises told in metaphors
    ("tengo las pastillas aqui y hoy me voy con el", "es", IMMINENT, IMMINENT),
    ("ya deje cartas pa mis hijos, este fin de semana se acaba", "es", IMMINENT, IMMINENT),
    ("hoy en la noche termino con esto, no llamen a la policia", "es", IMMINENT, IMMINENT),
    ("ready to clock out for good. shift ends at midnight and so do i", "en", HIGH, IMMINENT),
    ("im ending his shift permanently. i know where he parks", "en", HIGH, IMMINENT),
    ("im done renting this body. sorry i wasted everyones time", "en", HIGH, IMMINENT),
    ("tonight feels like a good night to just fade to black", "en", IMMINENT, IMMINENT),
    ("missed my last 2 appts. just cant get off the couch", "en", CONCERN, CONCERN),
    ("wish i couldve gone with her honestly", "en", CONCERN, CONCERN),
    ("ya llevo 4 dias sin tomarla", "es", CONCERN, CONCERN),
    ("whats even the point of the next chapter", "en", CONCERN, CONCERN),
    ("u can take me off the reminder texts", "en", CONCERN, CONCERN),
    ("my refill isnt ready till monday", "en", CONCERN, CONCERN),
    ("the urge is back this week", "en", CONCERN, CONCERN),
    ("me anda llamando mucho la droga", "es", CONCERN, CONCERN),
    ("llevo 60 dias sin tomar, gracias por el apoyo", "es", NONE, NONE),
    ("my cousin said if i bring that potato salad to the bbq again shell kill me", "en",
     NONE, NONE),
    ("the party ends at midnight", "en", NONE, NONE),
    # Batches 57 and 58: Spanish idioms of despair; clients who speak the clinic's language
    ("my ex found where im staying", "en", HIGH, IMMINENT),
    ("someone threw a brick thru my window with a note saying snitches die", "en",
     HIGH, IMMINENT),
    ("the devil keeps saying my baby isnt mine", "en", HIGH, IMMINENT),
    ("ive cut down enough hangings to know how to do it right", "en", IMMINENT, IMMINENT),
    ("phq9 question 9 would be nearly every day. and ive picked a date", "en",
     IMMINENT, IMMINENT),
    ("intent yes method yes timeline friday", "en", IMMINENT, IMMINENT),
    ("SI yes plan yes", "en", IMMINENT, IMMINENT),
    ("im putting the fentanyl patches all on tonight", "en", IMMINENT, IMMINENT),
    ("im about to do the 3rd on purpose bc i dont want to wake up", "en", HIGH, IMMINENT),
    ("its 3am and im writing out who gets my stuff.", "en", HIGH, IMMINENT),
    ("se exactamente cuanta insulina ocupo", "es", HIGH, IMMINENT),
    ("hoy me lo pongo todo", "es", HIGH, IMMINENT),
    ("passive si again this week", "en", CONCERN, CONCERN),
    ("wouldnt be mad if i didnt wake up tmrw", "en", CONCERN, CONCERN),
    ("my last attempt was 2019", "en", CONCERN, CONCERN),
    ("cravings 7, mood 3", "en", CONCERN, CONCERN),
    ("meds no (ran out tues)", "en", CONCERN, CONCERN),
    ("fell asleep driving after the new dose", "en", CONCERN, CONCERN),
    ("i feel dead inside. nothing feels good anymore", "en", CONCERN, CONCERN),
    ("my kids deserve a better mom than me", "en", CONCERN, CONCERN),
    ("the cameras at work are watching me specifically", "en", CONCERN, CONCERN),
    ("ive been drinking after every shift again", "en", CONCERN, CONCERN),
    ("saliendo del turno me echo unas chelas, ya van 2 semanas asi diario", "es",
     CONCERN, CONCERN),
    ("i gave my old guitar to my nephew today", "en", NONE, NONE),
    ("met with the lawyer, writing out who gets my stuff in the will", "en", NONE, NONE),
    ("si y ya me tome mis pastillas", "es", NONE, NONE),
    ("at ASIST training all day, the suicide intervention one for work", "en", NONE, NONE),
    ("did my first suicide risk assessment w a client today", "en", NONE, NONE),
    ("if he leaves the toilet seat up again im gonna strangle him", "en", NONE, NONE),
    ("the new priest is trying to kill her with his 2 hour homilies", "en", NONE, NONE),
    ("mi suegra me va a matar, se me olvido llevar el pastel", "es", NONE, NONE),
    ("3 pacientes con ideacion suicida y uno con abstinencia", "es", NONE, NONE),
    ("sin ideacion, sin ganas de hacerme dano. animo 7", "es", NONE, NONE),
    # Batches 59 and 60: risk in one clause of an ordinary check-in; immigration and work
    ("been saving them up tho, got like 60 now which shld be enough", "en", IMMINENT, IMMINENT),
    ("my bf said if i go to group hes gonna break my other arm", "en", HIGH, IMMINENT),
    ("hes coming over here to kill me", "en", HIGH, IMMINENT),
    ("stopped eating and drinking water 4 days now on purpose", "en", HIGH, IMMINENT),
    ("picking it up to finish what i started last month", "en", HIGH, IMMINENT),
    ("left the gas on and shut all the windows", "en", IMMINENT, IMMINENT),
    ("my lips feel numb and tingly and i cant stand up good", "en", IMMINENT, IMMINENT),
    ("cut deeper than ever last night", "en", HIGH, IMMINENT),
    ("im taking the immigration lawyer with me. i know where his office is", "en",
     HIGH, IMMINENT),
    ("didnt bother with a test strip, kinda hoping its laced", "en", HIGH, IMMINENT),
    ("wrote a note. its on the kitchen table", "en", IMMINENT, IMMINENT),
    ("been feeling like id rather just sleep forever", "en", CONCERN, CONCERN),
    ("if i got cancer tomorrow honestly id be relieved", "en", CONCERN, CONCERN),
    ("urges are real strong tonight", "en", CONCERN, CONCERN),
    ("my hands keep shaking from the new medicine", "en", CONCERN, CONCERN),
    ("think ill just drop the program", "en", CONCERN, CONCERN),
    ("i drink every day now", "en", CONCERN, CONCERN),
    ("todos los carros que pasan son de la migra siguiendome", "es", CONCERN, CONCERN),
    ("he wrote a letter for my case", "en", NONE, NONE),
    ("back in 2019 i drank every day after my divorce", "en", NONE, NONE),
    ("im about to do the rest of my homework", "en", NONE, NONE),
    ("bought rope at home depot for the tomato plants", "en", NONE, NONE),
    ("compre una soga pa tender la ropa", "es", NONE, NONE),
    ("hicimos pozole, se me quemo un poco la olla", "es", NONE, NONE),
    ("mi abuelita dice que si no le llamo el domingo me va a matar 😂", "es", NONE, NONE),
    ("my abuela called, my ex says hes coming over here to kill me", "en", HIGH, IMMINENT),
    # Batches 61 and 62: a week's and a month's ordinary traffic of two clinics
    ("my ex sent me a pic of his gun and said see u tonight", "en", IMMINENT, IMMINENT),
    ("took the safety off the shotgun before i texted this", "en", IMMINENT, IMMINENT),
    ("the 11:40 doesnt slow down at the crossing by my place", "en", IMMINENT, IMMINENT),
    ("gonna go to sleep and not wake up this time. got everything i need", "en",
     IMMINENT, IMMINENT),
    ("ive been pressing a knife into my thigh every night this week", "en", HIGH, IMMINENT),
    ("od'd friday. home alone now and honestly i wish it had worked", "en", HIGH, IMMINENT),
    ("pase por la cantina 3 veces hoy, no entre", "es", CONCERN, CONCERN),
    ("did you see that actor who od'd last week? anyway im 6 months sober", "en", NONE, NONE),
    ("mi jefe me va a matar, llegue tarde otra vez", "es", NONE, NONE),
    ("show i been watching had a whole suicide storyline", "en", NONE, NONE),
    ("my friend said shed kill me if i showed up late to her baby shower", "en", NONE, NONE),
    ("im a nurse, we had an overdose come in right at end of shift", "en", NONE, NONE),
    ("reading a book about a girl who runs away from her abusive dad", "en", NONE, NONE),
    ("got groceries and everything i need for the week", "en", NONE, NONE),
]


@pytest.mark.parametrize(("text", "lang", "lowest", "highest"), LEXICON_FAMILIES)
def test_widened_lexicon_families(
    text: str, lang: str, lowest: RiskLevel, highest: RiskLevel
) -> None:
    """New phrase families raise their level on the lexicon alone; look-alikes stay quiet."""
    level = default_lexicon_detector().assess(text, lang).level
    assert lowest <= level <= highest, f"{text!r}: {level.name}"


# Everyday sentences the learned backstop once raised; the lexicon now recognises them
# as ordinary (an idiom), so the backstop leaves them alone.
EXPLAINED_ORDINARY = [
    ("my daughter shot her brother with a nerf gun and now theyre both crying", "en"),
    ("gave the dog his heartworm pill and he spit it out 3 times", "en"),
    ("just dropped my old pills at the pharmacy take back box so the kids cant get into them",
     "en"),
    ("my husband has hunting rifles, locked in a safe and I do not have the combination",
     "en"),
    ("Ive been thinking about going back to school for social work", "en"),
    ("hace años tuve depresion pero recibi tratamiento y ahorita estoy muy bien", "es"),
    ("started krav maga, instructor choked me out in sparring and i loved it", "en"),
    ("las voces ya casi no se oyen, sigo con la clozapina y voy al grupo", "es"),
    ("the pharmacy gave me someone elses pills!! caught it before i took any", "en"),
    ("me and my wife finally did our wills and got life insurance now that the baby is here",
     "en"),
    ("dentist is giving me norco for 3 days and my wife is holding onto the bottle", "en"),
    ("the ice almost took me out, slid into a ditch, nobody hurt", "en"),
    ("my pills stay in the shelter locker and staff hands them to me every morning", "en"),
    ("slept in the car, parked by the hospital where its lit up and safe", "en"),
    ("hace un año vapeaba pero ya lo deje y la neta ni se me antoja", "es"),
    ("my tia told the family gc my cousin is pregnant again and nobody knows whos the dad 💀💀",
     "en"),
    ("mi perrito se comio una de mis pastillas del corazon pero el veterinario dijo que esta bien",
     "es"),
    ("thank u for the 6 months. being discharged friday. ill call if i need a tune up", "en"),
    ("a year ago i was in a dark place after my wife passed. im not there anymore", "en"),
    ("tried to make birria and burned the whole pot, smoke alarm going off", "en"),
    ("heads up im logging off social media for lent, so text here if u need me", "en"),
    ("my mom watched her novela where the villain poisons everybody", "en"),
    ("had a guy on a 5150 hold screaming at me all shift", "en"),
    ("my bf threatened to leave if i make him watch one more reality show", "en"),
    ("med pass took forever tonight. and yes i took my own meds too", "en"),
    ("hace 5 años deje de tomar y hoy me dieron mi medalla", "es"),
    ("do u guys give out narcan kits? want one in my car since i work at the shelter now",
     "en"),
]


@pytest.mark.parametrize(("text", "lang"), EXPLAINED_ORDINARY)
def test_ordinary_readings_keep_the_backstop_quiet(text: str, lang: str) -> None:
    assessment = default_lexicon_detector().assess(text, lang)
    assert assessment.level == RiskLevel.NONE
    assert assessment.explained, text
