"""Forms: an enterprise as coordinators edit it, and the fields with which a person names theirs."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from lms.choices import NACE_SECTIONS, SIZE_CLASS_CHOICES, country_choices, options
from lms.enterprises import services
from lms.enterprises.models import NAME_MAX, Enterprise
from lms.enterprises.names import name_key
from lms.i18n import _, _l

NEW = "new"


class EnterpriseSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search by name or number"), validators=[Optional(), Length(max=100)])


class EnterpriseForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(), Length(max=NAME_MAX)],
        description=_l("As registered, in any script."),
    )
    name_latin = StringField(
        _l("Name in Latin letters"),
        validators=[Optional(), Length(max=NAME_MAX)],
        description=_l("For reports read abroad. Left empty, it is transliterated from the name."),
    )
    country = SelectField(_l("Country"), validators=[Optional()])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=100)])
    number = StringField(
        _l("VAT or registration number"),
        validators=[Optional(), Length(max=40)],
        description=_l("Checked by the country's rules (format and check digit); unique in each country."),
    )
    nace_section = SelectField(
        _l("Sector (NACE Rev. 2 section)"), choices=options(NACE_SECTIONS, blank="—"), validators=[Optional()]
    )
    nace_division = StringField(
        _l("NACE division"),
        validators=[Optional(), Regexp(r"^\d{2}$", message=_l("Two digits, such as 56."))],
        description=_l("Optional: two digits, such as 56 for food and beverage service."),
    )
    headcount = IntegerField(
        _l("Staff headcount"), validators=[Optional(), NumberRange(min=0, max=10_000_000)]
    )
    turnover_eur = IntegerField(
        _l("Annual turnover (euro)"), validators=[Optional(), NumberRange(min=0, max=10**15)]
    )
    balance_sheet_eur = IntegerField(
        _l("Balance sheet total (euro)"), validators=[Optional(), NumberRange(min=0, max=10**15)]
    )
    size_class = SelectField(
        _l("Size class"),
        choices=options(SIZE_CLASS_CHOICES, blank="—"),
        validators=[Optional()],
        description=_l(
            "By the EU SME definition. With a headcount it is computed from the headcount and the "
            "turnover or balance sheet; without one, the class chosen here is kept."
        ),
    )
    founded_year = IntegerField(
        _l("Year founded"), validators=[Optional(), NumberRange(min=1800, max=date.today().year)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save enterprise"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def values(self) -> dict:
        return {name: (self[name].data if self[name].data != "" else None) for name in services.EDITABLE} | {
            "name": self.name.data or "",
            "name_latin": self.name_latin.data or "",
            "region": self.region.data or "",
            "notes": self.notes.data or "",
        }


class MergeForm(FlaskForm):
    keep = RadioField(_l("Keep this record"), coerce=int, validators=[InputRequired()])
    merge = SelectMultipleField(_l("Merge into it"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Merge"))


class EnterpriseFields(FlaskForm):
    """Where a person says which enterprise they work for: found by name or number before a new one
    is created; when several are alike, the person chooses."""

    enterprise_name = StringField(
        _l("Enterprise (company name)"),
        validators=[Optional(), Length(max=NAME_MAX)],
        description=_l("We look for it first, in any script, so that colleagues share one record."),
    )
    enterprise_number = StringField(
        _l("VAT or registration number"),
        validators=[Optional(), Length(max=40)],
        description=_l("Optional. The surest way to find your enterprise."),
    )
    enterprise_choice = RadioField(_l("Is it one of these?"), validators=[Optional()], validate_choice=False)
    founder = BooleanField(_l("Not yet a company: I plan to start one"))
    nace_section = SelectField(
        _l("Sector"), choices=options(NACE_SECTIONS, blank="—"), validators=[Optional()]
    )
    size_class = SelectField(
        _l("Size of the enterprise"), choices=options(SIZE_CLASS_CHOICES, blank="—"), validators=[Optional()]
    )

    def show_enterprise(self, user) -> None:
        """Fill the fields from the user's current enterprise (a GET of the form)."""
        self.founder.data = user.founder
        if user.enterprise is not None:
            self.enterprise_name.data = user.enterprise.name
            self.enterprise_number.data = user.enterprise.number or ""

    def read_enterprise(self, current: Enterprise | None, country: str | None) -> dict | None:
        """What the fields say, as services.apply_choice takes it (and a registration link carries it):
        the current enterprise if unchanged, one found by number or name, the one chosen among similar
        ones, a new one, a would-be founder, or nothing said. None, with the reason on a field (or
        candidates to choose from), when the form must be shown again. Writes nothing."""
        name, number = (self.enterprise_name.data or "").strip(), (self.enterprise_number.data or "").strip()
        if self.founder.data or not (name or number):
            return {"founder": bool(self.founder.data)}
        try:
            lookup = services.look_up(name, number, country or (current.country if current else None))
        except services.EnterpriseError as error:
            self.enterprise_number.errors = [*self.enterprise_number.errors, str(error)]
            return None
        unchanged = current is not None and name_key(name) in current.search_keys.split("|")
        if unchanged and (not lookup.number or lookup.number == current.number):
            return {"enterprise_id": current.id}
        if lookup.found is not None:
            return {"enterprise_id": lookup.found.id}
        choice = self.enterprise_choice.data
        candidates = {str(e.id): e for e in lookup.candidates}
        if choice in candidates:
            return {"enterprise_id": candidates[choice].id}
        if lookup.candidates and choice != NEW:
            self.enterprise_choice.choices = [(key, _label(e)) for key, e in candidates.items()] + [
                (NEW, _("None of these: add “%(name)s” as a new enterprise", name=name or number))
            ]
            self.enterprise_choice.errors = [
                _("We found enterprises with a similar name. Choose yours, or add a new one.")
            ]
            return None
        if not name:
            self.enterprise_name.errors = [
                *self.enterprise_name.errors,
                _("No enterprise has this number yet: write its name too."),
            ]
            return None
        return {
            "new": {
                "name": name,
                "number": lookup.number,
                "country": country,
                "nace_section": self.nace_section.data or None,
                "size_class": self.size_class.data or None,
            }
        }

    def place(self, user, country: str | None) -> bool:
        """Put the user where the fields say (see read_enterprise); False if the form must come back."""
        choice = self.read_enterprise(user.enterprise, country)
        if choice is None:
            return False
        services.apply_choice(user, choice)
        return True


def _label(enterprise: Enterprise) -> str:
    parts = [enterprise.name]
    if enterprise.name_latin and enterprise.name_latin != enterprise.name:
        parts.append(f"({enterprise.name_latin})")
    if enterprise.number:
        parts.append(f"· {enterprise.country or ''} {enterprise.number}")
    return " ".join(parts)
