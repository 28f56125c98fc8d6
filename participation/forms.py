import functools

from django import forms
from django.utils.translation import gettext_lazy as _

from charter.models import LegalTextVersion
from core.widgets import SaysRequiredForm

from .models import (
    COMMENT_MAX_LENGTH,
    COMMENT_MIN_LENGTH,
    CONTRIBUTION_MAX_LENGTH,
    CONTRIBUTION_MIN_LENGTH,
    PSEUDONYM_MAX_LENGTH,
    Theme,
)
from .services.contributions import TERMS_CHANGED


class HoneypotMixin(SaysRequiredForm):
    # Hidden from people (CSS and aria-hidden); robots fill it in, and their request is quietly dropped.
    website = forms.CharField(label=_("Ne pas remplir ce champ"), required=False)

    @property
    def is_from_a_robot(self):
        return bool(self.cleaned_data.get("website"))


class LegalTextVersionField(forms.ModelChoiceField):
    """A version of a legal text, sent back by the form: the versions in force are known already (cached), so the
    form reads the database only for another one."""

    def __init__(self, *args, **kwargs):
        super().__init__(LegalTextVersion.objects.all(), *args, widget=forms.HiddenInput, **kwargs)
        self.known = ()

    def to_python(self, value):
        known = next((version for version in self.known if str(version.pk) == str(value)), None)
        return known if known is not None else super().to_python(value)


class OfferedThemeField(forms.ModelChoiceField):
    """One of the themes a process offers (`offered`, a callable): read only when a theme is sent or the field is
    shown, so that a contribution without a theme reads none."""

    def __init__(self, *args, **kwargs):
        super().__init__(Theme.objects.none(), *args, **kwargs)
        self.offered = list

    def to_python(self, value):
        if value in self.empty_values:
            return None
        theme = next((theme for theme in self.offered() if str(theme.pk) == str(value)), None)
        if theme is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return theme


class ContributionForm(HoneypotMixin, forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonyme"),
        max_length=PSEUDONYM_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text=_("Seul ce nom est publié avec votre contribution (%(max)s caractères au plus).")
        % {"max": PSEUDONYM_MAX_LENGTH},
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Pour confirmer votre contribution et vous informer de sa suite. Elle n'est jamais publiée."),
        error_messages={"invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")},
    )
    text = forms.CharField(
        label=_("Votre contribution"),
        min_length=CONTRIBUTION_MIN_LENGTH,
        max_length=CONTRIBUTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("De %(min)s à %(max)s caractères. Une idée par contribution.")
        % {"min": CONTRIBUTION_MIN_LENGTH, "max": CONTRIBUTION_MAX_LENGTH},
    )
    theme = OfferedThemeField(label=_("Thème (facultatif)"), required=False, empty_label=_("Aucun"))
    accept = forms.BooleanField(
        label=_("J'ai lu et j'accepte la charte d'utilisation et les conditions générales d'utilisation."),
        error_messages={"required": _("Pour contribuer, acceptez la charte et les conditions d'utilisation.")},
    )
    charter_version = LegalTextVersionField()
    terms_version = LegalTextVersionField()

    def __init__(self, *args, process, terms=None, themes=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The themes offered (`themes`, when the page has read them already): checked against the same ones.
        field = self.fields["theme"]
        field.offered = functools.cache(process.offered_themes if themes is None else lambda: themes)
        field.choices = lambda: [
            ("", field.empty_label),
            *((theme.pk, field.label_from_instance(theme)) for theme in field.offered()),
        ]
        self.terms_changed = False
        if terms is not None and terms.available:
            self.fields["charter_version"].known = (terms.charter,)
            self.fields["terms_version"].known = (terms.terms,)
            # The versions shown are the versions accepted: recorded with the contribution.
            self.initial.update(charter_version=terms.charter.pk, terms_version=terms.terms.pk)
            if self.is_bound:
                self._offer_terms_in_force(terms)
        self.fields["charter_version"].error_messages["required"] = _(
            "Rechargez la page pour afficher la charte en vigueur."
        )

    def _offer_terms_in_force(self, terms):
        """A form shown before the charter or the CGU changed holds their old versions: sent back, it holds the
        versions in force instead, unaccepted, so that accepting them and sending again works (invariant 3)."""
        in_force = {"charter_version": str(terms.charter.pk), "terms_version": str(terms.terms.pk)}
        if all(self.data.get(name) == value for name, value in in_force.items()):
            return
        self.terms_changed = True
        self.data = self.data.copy()
        for name, value in in_force.items():
            self.data[name] = value
        self.data.pop("accept", None)

    def clean(self):
        cleaned_data = super().clean()
        if self.terms_changed:
            self._errors.pop("accept", None)  # one message: why the box is unticked again
            self.add_error("accept", TERMS_CHANGED)
        return cleaned_data


class ReportForm(SaysRequiredForm):
    rule_key = forms.ChoiceField(
        label=_("Règle de la charte non respectée"),
        error_messages={
            "required": _("Choisissez la règle de la charte que cette contribution ne respecte pas."),
            "invalid_choice": _("Choisissez une règle de la charte en vigueur dans la liste."),
        },
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_key"].choices = [("", _("Choisissez une règle"))] + list(rules)


class RegistrationForm(HoneypotMixin, forms.Form):
    """A meeting registration. Its ids start with "inscription_": the page also shows the contribution form, whose
    fields have the same names (two `id_email` would give one label, description and error link to both)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "inscription_%s")
        super().__init__(*args, **kwargs)

    name = forms.CharField(
        label=_("Nom ou pseudonyme"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Pour confirmer votre inscription."),
    )
    needs = forms.CharField(
        label=_("Besoins d'accessibilité (facultatif)"),
        max_length=255,
        required=False,
        help_text=_("Par exemple : interprète en langue des signes, place accessible en fauteuil."),
    )


class AppealForm(SaysRequiredForm):
    explanation = forms.CharField(
        label=_("Pourquoi contestez-vous la décision ?"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("De 10 à 1 000 caractères. Une seule contestation est possible."),
    )


class CommentForm(HoneypotMixin, forms.Form):
    """A comment on a published contribution, or a reply to a comment (`parent`). Without a participant pass, it
    asks for the email that confirms it; with one, the pass stands for it.

    Its ids are its own for each contribution and comment it answers (`auto_id`): a page shows one per
    contribution, and two fields with one id would give one label to both.
    """

    pseudonym = forms.CharField(
        label=_("Pseudonyme"),
        max_length=PSEUDONYM_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text=_("Seul ce nom est publié avec votre commentaire."),
    )
    email = forms.EmailField(
        label=_("Adresse électronique"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Pour confirmer votre commentaire. Elle n'est jamais publiée."),
        error_messages={"invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")},
    )
    text = forms.CharField(
        label=_("Votre commentaire"),
        min_length=COMMENT_MIN_LENGTH,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("De %(min)s à %(max)s caractères.") % {"min": COMMENT_MIN_LENGTH, "max": COMMENT_MAX_LENGTH},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**62)
    accept = forms.BooleanField(
        label=_("J'ai lu et j'accepte la charte d'utilisation et les conditions générales d'utilisation."),
        error_messages={"required": _("Pour commenter, acceptez la charte et les conditions d'utilisation.")},
    )
    charter_version = LegalTextVersionField()
    terms_version = LegalTextVersionField()

    # The same handling of legal texts updated while the form was shown as for contributions (invariant 3).
    _offer_terms_in_force = ContributionForm._offer_terms_in_force

    def __init__(self, *args, with_email=True, terms=None, parent=None, prefix_id="commentaire", **kwargs):
        kwargs.setdefault("auto_id", f"{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.form_id = prefix_id
        self.is_reply = parent is not None
        if not with_email:
            del self.fields["email"]
        if parent is not None:
            self.initial["parent"] = parent
            self.fields["text"].label = _("Votre réponse")
        self.terms_changed = False
        if terms is not None and terms.available:
            self.initial.update(charter_version=terms.charter.pk, terms_version=terms.terms.pk)
            if self.is_bound:
                self._offer_terms_in_force(terms)
        self.fields["charter_version"].error_messages["required"] = _(
            "Rechargez la page pour afficher la charte en vigueur."
        )

    def clean(self):
        cleaned_data = super().clean()
        if self.terms_changed:
            self._errors.pop("accept", None)  # one message: why the box is unticked again
            self.add_error("accept", TERMS_CHANGED)
        return cleaned_data


class SupportForm(HoneypotMixin, forms.Form):
    """A visitor without a participant pass supports a contribution: the email the confirmation link goes to.

    Each contribution of a page has one; their ids start with "soutien-<id>-" (`auto_id`)."""

    email = forms.EmailField(
        label=_("Adresse électronique"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse électronique pour recevoir le lien qui confirme votre soutien."),
            "invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr."),
        },
    )
