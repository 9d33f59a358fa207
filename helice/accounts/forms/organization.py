"""The organisation profile as its members edit it in the partner space."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.core.models import Commune, Sector
from helice.core.sanitize import clean_rich_input
from helice.core.uploads import SafeImageField
from helice.directory.models import PARTNER_EDITABLE_FIELDS, Organization
from helice.moderation.registry import adapter_for

# Django renders help texts as HTML: no angle brackets here.
RICH_TEXT_HELP = _(
    "Plain text; separate paragraphs with a blank line. Allowed HTML tags: strong, em, lists, "
    "level 3 and 4 headings, quotations and links (http, https and mailto only). Anything else is removed."
)


class OrganizationProfileForm(forms.ModelForm):
    """Validates a proposed profile with the model's own rules (SIREN/SIRET, NAF
    code, founding year…) on a copy of the organisation; nothing is saved here:
    the result becomes a revision (published at once or held for review)."""

    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.active(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.active(),
        required=False,
        to_field_name="insee_code",
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=300, assume_scheme="https")
    logo_upload = SafeImageField(
        label=_("New logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP. It is re-encoded without its metadata."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    comment = forms.CharField(
        label=_("Note for the moderators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Organization
        # Every partner-editable field but the logo, which has its own upload field.
        fields = [name for name in PARTNER_EDITABLE_FIELDS if name != "logo"]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 8}),
            "description_en": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {"description_fr": RICH_TEXT_HELP, "description_en": RICH_TEXT_HELP}

    def __init__(self, *args, organization: Organization, base: dict | None = None, **kwargs):
        """``base``: the state the partner starts from (a waiting proposal, or the
        published state); fields the form does not show (the logo) keep its value."""
        self.organization = organization
        self.base = base
        super().__init__(*args, instance=Organization.objects.get(pk=organization.pk), **kwargs)
        # Retired sectors stay selectable for an organisation that already has them.
        self.fields["sectors"].queryset = Sector.objects.filter(
            Q(is_active=True) | Q(organizations=organization)
        ).distinct()

    def clean_description_fr(self):
        return clean_rich_input(self.cleaned_data.get("description_fr", ""))

    def clean_description_en(self):
        return clean_rich_input(self.cleaned_data.get("description_en", ""))

    def proposed_data(self, *, stored_logo: str | None = None) -> dict:
        """The revision's data: the model's fields in the adapter's JSON form."""
        data = dict(self.base) if self.base is not None else adapter_for(Organization).serialize(self.organization)
        cleaned = self.cleaned_data
        for name in self.Meta.fields:
            value = cleaned.get(name)
            if name == "sectors":
                data[name] = sorted(s.slug for s in value or [])
            elif name == "commune":
                data[name] = value.insee_code if value else None
            else:
                data[name] = value if value is not None else (None if name == "founding_year" else "")
        if cleaned.get("remove_logo"):
            data["logo"] = ""
        if stored_logo:
            data["logo"] = stored_logo
        return data

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        """Form initial values from a revision's data (a pending proposal continues)."""
        return {k: v for k, v in data.items() if k in cls.Meta.fields}
