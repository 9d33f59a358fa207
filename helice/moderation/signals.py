"""Record, after commit, any change to moderated content that did not go through
a revision (admin, spreadsheet import, dataset load): the history stays complete.
A change applied by a revision is already recorded, and is skipped because its
state equals the last published revision."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save

from . import registry, services


def _record_later(model, pk):
    def record():
        obj = model._default_manager.filter(pk=pk).first()
        if obj is not None:
            services.revision_record_direct(obj=obj)

    # robust: the change itself is committed; a failure to record it is logged
    # (by Django) rather than turned into an error page after the fact.
    transaction.on_commit(record, robust=True)


def _saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _record_later(sender, instance.pk)


def _relations_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _record_later(type(instance), instance.pk)
    elif model in registry.registered_models():
        # A sector (say) gained or lost organisations: each of them changed.
        for pk in pk_set or ():
            _record_later(model, pk)


def connect_model(model) -> None:
    """Listen to one registered model (``registry.register`` calls it, so a part
    that registers after this app is ready is recorded too; idempotent)."""
    post_save.connect(_saved, sender=model, dispatch_uid=f"moderation_saved_{model._meta.label}")
    adapter = registry.adapter_for(model)
    for name in adapter.fields:
        f = model._meta.get_field(name)
        if f.many_to_many:
            m2m_changed.connect(
                _relations_changed,
                sender=f.remote_field.through,
                dispatch_uid=f"moderation_m2m_{model._meta.label}_{name}",
            )


def connect() -> None:
    for model in registry.registered_models():
        connect_model(model)
