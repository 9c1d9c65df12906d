"""Forms parse what people type; the services check the rules."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jigi.accounts.models import User
from jigi.core.models import AdminArea
from jigi.grievances.models import Category, Channel, Complaint, Event
from jigi.grievances.services import NewComplaint, Upload

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHALLENGE_SALT = "jigi.grievances.public-challenge"
CHALLENGE_MAX_AGE = 2 * 60 * 60


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def area_choices() -> list[tuple[str, Any]]:
    """Regions, then each region's communes grouped under it."""
    areas = (
        AdminArea.objects.filter(level__in=[1, 3])
        .order_by("pcode")
        .values_list("pcode", "name", "level")
    )
    regions = [(pcode, name) for pcode, name, level in areas if level == 1]
    groups: list[tuple[str, Any]] = [("", "—"), (_("Régions"), regions)]
    for region, region_name in regions:
        communes = [(p, n) for p, n, level in areas if level == 3 and p.startswith(region)]
        groups.append((region_name, communes))
    return groups


def uploads(files: list[Any]) -> list[Upload]:
    """The uploaded files, each read no further than one byte past the size limit: enough for
    the service to refuse it, without loading a huge file into memory."""
    limit: int = settings.JIGI_GRIEVANCE_FILE_MAX_BYTES
    return [Upload(name=file.name or "", content=file.read(limit + 1)) for file in files]


class ComplaintForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Canal"), choices=[c for c in Channel.choices if c[0] != Channel.WEB]
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Catégorie"),
        choices=Category.choices,
        help_text=gettext_lazy(
            "EAS, fraude et mauvaise conduite du personnel sont confidentielles : seuls les "
            "points focaux les voient."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=gettext_lazy(
            "Ce qui s'est passé, où, quand, avec les mots du / de la plaignant·e."
        ),
    )
    household_code = forms.CharField(
        label=gettext_lazy("Code ménage"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("ex. KY-0001FQ-7 ; vide si la personne n'est pas au registre."),
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Nom du / de la plaignant·e"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Vide pour une plainte anonyme."),
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Téléphone"), required=False, max_length=30
    )
    area_code = forms.ChoiceField(
        label=gettext_lazy("Région ou commune"),
        required=False,
        help_text=gettext_lazy("Si le ménage n'est pas indiqué."),
    )
    village = forms.CharField(
        label=gettext_lazy("Village / quartier"), required=False, max_length=120
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Pièces jointes"),
        required=False,
        help_text=gettext_lazy("Photos (JPEG, PNG) ou PDF, 5 Mo au plus chacune."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = area_choices()  # type: ignore[attr-defined]

    def new_complaint(self) -> NewComplaint:
        data = self.cleaned_data
        return NewComplaint(
            channel=data["channel"],
            category=data["category"],
            description=data["description"],
            household_code=data["household_code"],
            complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"],
            area_code=data["area_code"],
            village=data["village"],
            attachments=uploads(data["attachments"]),
        )


class PublicComplaintForm(forms.Form):
    """The public web form: no account, a small sum to answer, and a field people never see
    (filled in, the submission came from a robot)."""

    category = forms.ChoiceField(
        label=gettext_lazy("Objet de la plainte"), choices=Category.choices
    )
    description = forms.CharField(
        label=gettext_lazy("Votre plainte"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    region = forms.ChoiceField(label=gettext_lazy("Région"))
    village = forms.CharField(
        label=gettext_lazy("Village / quartier"), required=False, max_length=120
    )
    household_code = forms.CharField(
        label=gettext_lazy("Code ménage (si vous l'avez)"), required=False, max_length=20
    )
    complainant_name = forms.CharField(
        label=gettext_lazy("Votre nom (facultatif)"), required=False, max_length=200
    )
    complainant_phone = forms.CharField(
        label=gettext_lazy("Votre téléphone (facultatif)"), required=False, max_length=30
    )
    answer = forms.IntegerField(label=gettext_lazy("Vérification"))
    challenge = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Ne pas remplir"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + list(  # type: ignore[attr-defined]
            AdminArea.objects.filter(level=1).order_by("name").values_list("pcode", "name")
        )
        if not self.is_bound:
            first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
            self.initial["challenge"] = signing.dumps([first, second], salt=CHALLENGE_SALT)
            self.question = (first, second)
        else:
            self.question = self._question(self.data.get("challenge", "")) or (0, 0)
        self.fields["answer"].help_text = _("Combien font %(a)s + %(b)s ?") % {
            "a": self.question[0],
            "b": self.question[1],
        }

    @staticmethod
    def _question(token: str) -> tuple[int, int] | None:
        try:
            first, second = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        return int(first), int(second)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise forms.ValidationError(_("Envoi refusé."))
        question = self._question(data.get("challenge", ""))
        if question is None:
            raise forms.ValidationError(_("Le formulaire a expiré : rechargez la page."))
        if data.get("answer") is not None and data["answer"] != sum(question):
            self.add_error("answer", _("Ce n'est pas le bon résultat."))
        return data

    def new_complaint(self) -> NewComplaint:
        data = self.cleaned_data
        return NewComplaint(
            channel=Channel.WEB,
            category=data["category"],
            description=data["description"],
            household_code=data["household_code"],
            complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"],
            area_code=data["region"],
            village=data["village"],
        )


class StatusForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code de suivi"),
        max_length=20,
        help_text=gettext_lazy("ex. PT-7K3QX2-M, tel qu'il vous a été donné."),
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assigner à"), queryset=User.objects.none()
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=[
            (Event.Kind.NOTE, Event.Kind.NOTE.label),
            (Event.Kind.ACTION, Event.Kind.ACTION.label),
        ],
    )
    text = forms.CharField(label=gettext_lazy("Texte"), widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=gettext_lazy("Type de résolution"), choices=[("", "—"), *Complaint.Resolution.choices]
    )
    note = forms.CharField(
        label=gettext_lazy("Résolution"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("Ce qui a été fait ou expliqué ; le motif pour un rejet."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motif"), required=False, max_length=500)


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Nouvelle catégorie"))
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=500)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.choices = categories
        self.auto_id = "reclassify_%s"


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("Satisfaction du / de la plaignant·e"),
        choices=Complaint.Satisfaction.choices,
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Pièce jointe"),
        help_text=gettext_lazy("Photo (JPEG, PNG) ou PDF, 5 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )


class ReferralForm(forms.Form):
    has_consent = forms.BooleanField(
        label=gettext_lazy("La personne a donné son consentement éclairé au référencement"),
        required=False,
    )
    consent_on = forms.DateField(
        label=gettext_lazy("Date du consentement"), widget=DATE_INPUT, required=False
    )


CORRECTION_FIELDS = {
    "correct_household": ("village",),
    "correct_member": ("given_names", "family_name", "birth_date", "sex", "phone"),
}


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Correction"),
        choices=[
            ("correct_household", gettext_lazy("Corriger le ménage")),
            ("correct_member", gettext_lazy("Corriger un membre")),
        ],
    )
    member = forms.ChoiceField(label=gettext_lazy("Membre"), required=False)
    field = forms.ChoiceField(
        label=gettext_lazy("Champ"),
        choices=[
            ("village", gettext_lazy("Village / quartier")),
            ("given_names", gettext_lazy("Prénom(s)")),
            ("family_name", gettext_lazy("Nom de famille")),
            ("birth_date", gettext_lazy("Date de naissance (AAAA-MM-JJ)")),
            ("sex", gettext_lazy("Sexe (M ou F)")),
            ("phone", gettext_lazy("Téléphone")),
        ],
    )
    value = forms.CharField(label=gettext_lazy("Valeur correcte"), max_length=200)

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(member.pk), str(member)) for member in members
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, field = data.get("kind"), data.get("field")
        if kind and field and field not in CORRECTION_FIELDS[kind]:
            self.add_error("field", _("Ce champ ne se corrige pas pour ce type de demande."))
        if kind == "correct_member" and not data.get("member"):
            self.add_error("member", _("Choisissez le membre à corriger."))
        return data


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[("assign", gettext_lazy("Assigner")), ("close", gettext_lazy("Clôturer"))],
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assigner à"), queryset=User.objects.none(), required=False
    )
    resolution = forms.ChoiceField(
        label=gettext_lazy("Résolution (pour clôturer)"),
        choices=[("", "—"), *Complaint.Resolution.choices],
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Motif"), max_length=300, required=False)

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            self.fields["assignee"].queryset = assignees  # type: ignore[attr-defined]
