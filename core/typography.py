"""French typography of dates, times and counts: one place, used by templates (`{% load typography %}`) and code.

- the first of a month is "1er" ("1er mars 2026", never "1 mars");
- an hour reads "18 h", "18 h 30" (no "18h00");
- a span of one day reads "le 25 décembre 2026", not "du 25 décembre 2026 au 25 décembre 2026";
- a count takes the singular for 0 and 1 ("0 résultat", "1 résultat", "2 résultats");
- the space before ":", ";", "?", "!", "»" and after "«" never breaks a line (a title never starts a line with
  ": vos venues…").
"""

import datetime
import re

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def _day_number(day):
    return "1er" if day.day == 1 else str(day.day)


def french_date(day, *, weekday=False):
    """ "1er mars 2026" (or "dimanche 1er mars 2026"); "" for no date. A datetime is read in local time."""
    if not day:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day) if timezone.is_aware(day) else day
    text = f"{_day_number(day)} {date_format(day, 'F Y')}"
    return f"{date_format(day, 'l')} {text}" if weekday else text


def french_time(moment):
    """ "18 h", "18 h 30", in local time."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def french_datetime(moment, *, weekday=True):
    """ "vendredi 25 décembre 2026 à 18 h"."""
    if not moment:
        return ""
    return _("%(day)s à %(time)s") % {"day": french_date(moment, weekday=weekday), "time": french_time(moment)}


def french_period(start, end):
    """ "le 25 décembre 2026" for one day, else "du 1er mars 2026 au 3 avril 2026"."""
    if start == end or not end:
        return _("le %(day)s") % {"day": french_date(start)}
    return _("du %(start)s au %(end)s") % {"start": french_date(start), "end": french_date(end)}


def french_plural(count):
    """The number that makes gettext choose the French form: French takes the singular below two ("0 résultat").

    Gettext falls back to the English rule (singular for 1 only) for our untranslated French strings; templates
    pass this to `{% blocktranslate count %}` and show the real number separately.
    """
    return 1 if abs(count) < 2 else count


NO_BREAK_SPACE = "\u00a0"
NARROW_NO_BREAK_SPACE = "\u202f"
_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]+([:;?!»])")
_SPACE_AFTER = re.compile(r"(«)[ \u00a0\u202f]+")


def french_spacing(text):
    """Spaces around French punctuation that a line cannot break: a no-break space before ":" and inside
    guillemets, a narrow one before ";", "?" and "!" (as the Imprimerie nationale sets them). Text in, text out:
    safe strings stay safe to whoever marks them."""
    if not text:
        return text
    text = _SPACE_BEFORE.sub(
        lambda found: (NO_BREAK_SPACE if found[1] in ":»" else NARROW_NO_BREAK_SPACE) + found[1], str(text)
    )
    return _SPACE_AFTER.sub(lambda found: found[1] + NO_BREAK_SPACE, text)
