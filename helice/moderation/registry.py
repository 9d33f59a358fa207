"""What the moderation mechanism needs to know about each kind of partner
content: which fields a revision holds, how to read and write them, how to show
them, and which organisation the content belongs to.

A part registers its models once (in its ``AppConfig.ready()``)::

    registry.register(
        Service,
        fields=["title", "summary", "sectors", ...],
        natural_keys={"sectors": "slug"},
        organization=lambda service: service.provider,
        trusted=lambda service: service.provider.is_trusted,
        after_apply=lambda service: service_reindex(service=service),
    )

Values are stored as plain JSON: foreign keys and many-to-many relations by a
natural key (a slug, an INSEE code), files by their storage name, so a revision
stays readable and can be restored after the related rows changed."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

EMPTY = "—"


@dataclass
class Adapter:
    model: type[models.Model]
    fields: list[str]
    natural_keys: dict[str, str] = field(default_factory=dict)
    organization: Callable | None = None
    after_apply: Callable | None = None
    # trusted(obj) -> bool: its partners' changes are published without review.
    trusted: Callable | None = None
    # approval_note(obj) -> str: what publishing a waiting change also does, shown to
    # the moderator ("this new service becomes public"); empty for nothing more.
    approval_note: Callable | None = None

    def without(self, part: str, *, after_apply: bool = True) -> Adapter:
        """A plain adapter of the same model for every field but ``part`` (a list of
        rows of their own that a subclass reads and writes itself); without its
        ``after_apply`` when the subclass calls it once the part is written."""
        return Adapter(
            model=self.model,
            fields=[name for name in self.fields if name != part],
            natural_keys=self.natural_keys,
            organization=self.organization,
            after_apply=self.after_apply if after_apply else None,
            trusted=self.trusted,
            approval_note=self.approval_note,
        )

    # --- reading -------------------------------------------------------------

    def model_field(self, name: str):
        return self.model._meta.get_field(name)

    def serialize(self, obj) -> dict:
        data = {}
        for name in self.fields:
            f = self.model_field(name)
            if f.many_to_many:
                key = self.natural_keys[name]
                data[name] = sorted(str(v) for v in getattr(obj, name).values_list(key, flat=True)) if obj.pk else []
            elif f.many_to_one:
                related = getattr(obj, name)
                data[name] = getattr(related, self.natural_keys[name]) if related is not None else None
            elif isinstance(f, models.FileField):
                data[name] = getattr(obj, name).name or ""
            else:
                value = getattr(obj, f.attname)
                if isinstance(value, Country):  # django-countries: stored by its code
                    value = value.code or ""
                # JSON holds dates as ISO strings; the field parses them back on save.
                data[name] = value.isoformat() if isinstance(value, datetime.date) else value
        return data

    def blank(self) -> dict:
        """The state of a new, empty object: what a proposal of new content
        (``revision_submit(new=True)``) is compared with."""
        return self.serialize(self.model())

    def note_on_approval(self, obj) -> str:
        return str(self.approval_note(obj) or "") if self.approval_note and obj is not None else ""

    def organization_of(self, obj):
        return self.organization(obj) if self.organization else None

    # --- writing -------------------------------------------------------------

    def apply(self, obj, data: dict) -> None:
        """Write ``data`` onto ``obj`` and save it (the caller holds the transaction)."""
        relations = {}
        for name in self.fields:
            if name not in data:
                continue
            f = self.model_field(name)
            value = data[name]
            if f.many_to_many:
                relations[name] = self._related(f, name, value)
            elif f.many_to_one:
                setattr(obj, name, self._target(f, name, value))
            elif isinstance(f, models.FileField):
                setattr(obj, name, value or "")
            else:
                setattr(obj, f.attname, value)
        obj.save()
        for name, related in relations.items():
            getattr(obj, name).set(related)
        if self.after_apply:
            self.after_apply(obj)

    def _target(self, f, name, value):
        if value in (None, ""):
            return None
        return f.related_model._default_manager.filter(**{self.natural_keys[name]: value}).first()

    def _related(self, f, name, values):
        key = self.natural_keys[name]
        return list(f.related_model._default_manager.filter(**{f"{key}__in": values or []}))

    # --- showing -------------------------------------------------------------

    def label(self, name: str) -> str:
        return str(self.model_field(name).verbose_name).capitalize()

    def display(self, name: str, value) -> str:
        """A value as a person reads it (choice labels, names instead of keys)."""
        if value in (None, "", []):
            return EMPTY
        f = self.model_field(name)
        if f.many_to_many or f.many_to_one:
            key = self.natural_keys[name]
            keys = value if f.many_to_many else [value]
            found = {str(getattr(o, key)): str(o) for o in self._related(f, name, keys)}
            shown = [found.get(str(k), str(_("%(key)s (no longer exists)") % {"key": k})) for k in keys]
            return ", ".join(shown)
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(f, models.FileField):
            return str(value).rsplit("/", 1)[-1]
        return str(value)

    def preview(self, obj, data: dict):
        """An unsaved copy of ``obj`` carrying ``data``, and the related objects of its
        many-to-many fields ({field: [objects]}), for rendering a preview page."""
        copy = self.model._default_manager.get(pk=obj.pk) if obj.pk else self.model()
        related = {}
        for name in self.fields:
            if name not in data:
                continue
            f = self.model_field(name)
            if f.many_to_many:
                related[name] = self._related(f, name, data[name])
            elif f.many_to_one:
                setattr(copy, name, self._target(f, name, data[name]))
            elif isinstance(f, models.FileField):
                setattr(copy, name, data[name] or "")
            else:
                setattr(copy, f.attname, data[name])
        return copy, related


_adapters: dict[type[models.Model], Adapter] = {}


def register(model: type[models.Model], *, adapter_class: type[Adapter] = Adapter, **options) -> Adapter:
    """``adapter_class``: a subclass of Adapter for content with parts that are
    no plain field (the agenda's time slots, rows of their own)."""
    from . import signals  # signals reads this module: imported here, not at the top

    adapter = adapter_class(model=model, **options)
    _adapters[model] = adapter
    # Changes made outside moderation (admin, imports, dataset) are recorded in the
    # history whichever app registers, and whenever it does.
    signals.connect_model(model)
    return adapter


def adapter_for(model_or_obj) -> Adapter:
    """The adapter of a registered model (or of an instance's model); LookupError
    for anything else, including None (a content type whose model is gone)."""
    if model_or_obj is None:
        raise LookupError("No model: its content type is stale.")
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    model = model._meta.concrete_model
    try:
        return _adapters[model]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not registered for moderation.") from None


def registered_models() -> list[type[models.Model]]:
    return list(_adapters)
