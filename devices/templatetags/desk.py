"""Template helpers for the support pages: only wording that templates cannot reach otherwise."""

from django import template

from devices.presenters import formatting

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    """ "sn" -> "serial number", in the active language."""
    return formatting.kind_label(kind)


@register.simple_tag
def time_zone_note() -> str:
    """ "Times are in Asia/Shanghai (UTC+8)." for the page footer."""
    return formatting.time_zone_note()


@register.filter
def tone_word(tone: str) -> str:
    """The word that goes with a verdict's colour, so colour is never alone."""
    return formatting.tone_word(tone)
