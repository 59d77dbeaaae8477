"""System texts the bot sends outside flows: compliance replies, the crisis
reply, and replies to free messages. English and Spanish.

Texts name the clinic only by its neutral display name and never carry a
diagnosis, a score, a medication or the program's type.
"""

from __future__ import annotations

from collections.abc import Mapping

TEXTS: dict[str, dict[str, str]] = {
    "opted_out": {
        "en": "You're unsubscribed from {clinic} messages and will get no more. "
        "Reply START to resubscribe. If you ever need to talk, call or text 988.",
        "es": "Ya no recibirá mensajes de {clinic}. Responda START para volver a "
        "suscribirse. Si alguna vez necesita hablar, llame o envíe un texto al 988.",
    },
    "opted_in": {
        "en": "You're subscribed to {clinic} messages again. Reply HELP for help, STOP to opt out.",
        "es": "Volverá a recibir mensajes de {clinic}. Responda HELP para ayuda, "
        "STOP para cancelar.",
    },
    "help": {
        "en": "{clinic}: check-in messages from your care team, up to 3 msgs/day. "
        "Msg&data rates may apply. Questions: call {contact_phone}. Reply STOP to opt out. "
        "In an emergency call 911, or call or text 988.",
        "es": "{clinic}: mensajes de seguimiento de su equipo de atención, hasta 3 "
        "mensajes al día. Pueden aplicarse tarifas de mensajes y datos. Preguntas: llame al "
        "{contact_phone}. Responda STOP para cancelar. En una emergencia llame al 911, o "
        "llame o envíe un texto al 988.",
    },
    "crisis": {
        "en": "{greeting}thank you for telling me. You don't have to go through this alone. "
        "Please call or text 988 (Suicide & Crisis Lifeline) now, or call {crisis_line}. "
        "If you are in immediate danger, call 911. Someone from your care team will "
        "reach out to you soon. You can keep texting me here.",
        "es": "{greeting}gracias por decírmelo. No tiene que pasar por esto solo/a. "
        "Llame al 988 y oprima 2 para español, o envíe AYUDA por texto al 988, o llame al "
        "{crisis_line}. Si está en peligro inmediato, llame al 911. Alguien de su equipo de "
        "atención se comunicará con usted pronto. Puede seguir escribiéndome aquí.",
    },
    "crisis_hold": {
        "en": "I'm still here, and your care team can see your messages. Someone will "
        "reach out to you soon. If you are in danger now, call 911, or call or text 988, "
        "or call {crisis_line}.",
        "es": "Sigo aquí y su equipo de atención puede ver sus mensajes. Alguien se "
        "comunicará con usted pronto. Si está en peligro ahora, llame al 911, llame al 988 "
        "y oprima 2, envíe AYUDA por texto al 988, o llame al {crisis_line}.",
    },
    "concern": {
        "en": "Thank you for sharing that with me. I've let your care team know, and "
        "someone will check in with you today. If things get worse, call or text 988.",
        "es": "Gracias por contarme. Le avisé a su equipo de atención y alguien se "
        "comunicará con usted hoy. Si las cosas empeoran, llame o envíe un texto al 988.",
    },
    "talk_to_someone": {
        "en": "I've asked your care team to contact you. If you need someone right now, "
        "call or text 988, or call {crisis_line}.",
        "es": "Le pedí a su equipo de atención que se comunique con usted. Si necesita "
        "hablar con alguien ahora, llame o envíe un texto al 988, o llame al {crisis_line}.",
    },
    "reschedule": {
        "en": "Got it. Someone from the front desk will contact you to find a new time.",
        "es": "Entendido. Alguien de la recepción se comunicará con usted para buscar "
        "otra hora.",
    },
    "side_effects": {
        "en": "Thanks for letting me know. I've passed this to your care team and they "
        "will follow up. If you feel very unwell, call 911.",
        "es": "Gracias por avisarme. Se lo pasé a su equipo de atención y le darán "
        "seguimiento. Si se siente muy mal, llame al 911.",
    },
    "greeting": {
        "en": "Hi{name_suffix}! I'm here for your check-ins. Reply HELP for help.",
        "es": "¡Hola{name_suffix}! Estoy aquí para sus seguimientos. Responda HELP para ayuda.",
    },
    "thanks": {
        "en": "You're welcome. Take care.",
        "es": "De nada. Cuídese.",
    },
    "unknown": {
        "en": "Thanks for your message. Your care team can see it. Reply HELP for help.",
        "es": "Gracias por su mensaje. Su equipo de atención puede verlo. "
        "Responda HELP para ayuda.",
    },
    "not_understood_paused": {
        "en": "Whenever you're ready, we can continue your check-in.",
        "es": "Cuando esté listo/a, podemos continuar con su seguimiento.",
    },
    "unknown_sender": {
        "en": "This service is used by a clinic to send check-in messages. If you are a "
        "client, please ask your clinic to set you up. In an emergency call 911, or call "
        "or text 988.",
        "es": "Este servicio lo usa una clínica para enviar mensajes de seguimiento. Si usted "
        "es paciente, pida a su clínica que lo registre. En una emergencia llame al 911, o "
        "llame o envíe un texto al 988.",
    },
    "busy": {
        "en": "Let's finish the current check-in first.",
        "es": "Terminemos primero el seguimiento actual.",
    },
}


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(key: str, lang: str, values: Mapping[str, str] | None = None) -> str:
    """The text `key` in `lang` (English when missing), placeholders filled;
    a placeholder with no value renders empty rather than failing."""
    by_lang = TEXTS[key]
    template = by_lang.get(lang) or by_lang["en"]
    return template.format_map(_Blank(values or {}))
