"""Forms that say what is required without the browser's own checks.

Chromium exposes a native `required` checkbox, radio button, date field or drop-down list that starts on no answer
as "invalid" to assistive technologies from the moment the page loads (`novalidate` or not): a screen reader
announced "invalide" on a blank form before anything was sent. Our forms leave `required` out and carry
`aria-required` where the role allows it (a radio button or a box of a group does not: the group's legend says
"(obligatoire)", as every label does); the server checks, and a field sent back in error is `aria-invalid`
(Django).
"""

from django import forms

# Choices shown as a group under a legend: their inputs take no aria-required; nor do the inputs that have no
# ARIA role (date and time pickers, files, colours…: the Nu validator refuses it there).
GROUPS = (forms.RadioSelect, forms.CheckboxSelectMultiple)
WITHOUT_ROLE = {"date", "datetime-local", "time", "month", "week", "color", "file", "range", "hidden"}


def _no_browser_check(initial):
    return False


def say_required_without_browser_checks(fields):
    """Apply the rule above to a form's fields (a dict of name: field)."""
    for field in fields.values():
        field.widget.use_required_attribute = _no_browser_check
        takes_it = not isinstance(field.widget, GROUPS) and getattr(field.widget, "input_type", "") not in WITHOUT_ROLE
        if field.required and takes_it:
            field.widget.attrs["aria-required"] = "true"
    return fields


class SaysRequiredForm(forms.Form):
    """A public form whose required fields are said, not checked by the browser (see above)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        say_required_without_browser_checks(self.fields)
