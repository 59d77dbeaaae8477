"""Dates and times as a client reads them, in their zone and language. Pure.

`appointment_when` gives "today at 2:00 PM", "tomorrow at 9:30 AM" or
"on Monday, March 15 at 2:00 PM" ("hoy a las 14:00", "mañana a las 9:30",
"el lunes 15 de marzo a las 14:00"); `day_when` gives a date alone,
"Saturday, March 20" / "sábado 20 de marzo".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}


def _lang(lang: str) -> str:
    return lang if lang in _DAYS else "en"


def day_when(day: date, lang: str) -> str:
    """A date with its weekday: "Saturday, March 20" / "sábado 20 de marzo"."""
    lang = _lang(lang)
    weekday = _DAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    if lang == "es":
        return f"{weekday} {day.day} de {month}"
    return f"{weekday}, {month} {day.day}"


def clock_when(moment: datetime, lang: str) -> str:
    """A local time: "2:00 PM" / "a las 14:00" (with "a la" for one o'clock)."""
    if _lang(lang) == "es":
        article = "a la" if moment.hour == 1 else "a las"
        return f"{article} {moment.hour}:{moment.minute:02d}"
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def appointment_when(starts_at: datetime, now: datetime, tz: str, lang: str) -> str:
    """When an appointment is, said relative to `now` where that reads better."""
    lang = _lang(lang)
    zone = ZoneInfo(tz)
    local = starts_at.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = clock_when(local, lang)
    at = clock if lang == "es" else f"at {clock}"
    if local.date() == today:
        return f"{'hoy' if lang == 'es' else 'today'} {at}"
    if local.date() == today + timedelta(days=1):
        return f"{'mañana' if lang == 'es' else 'tomorrow'} {at}"
    on = "el" if lang == "es" else "on"
    return f"{on} {day_when(local.date(), lang)} {at}"
