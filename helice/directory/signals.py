"""Keep organisations' search documents current when the reference data they
quote (a sector's or a commune's name) changes. Core cannot call the directory,
so the directory listens."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from helice.core.models import Commune, Sector

from . import services
from .models import InternationalActivity, Organization


@receiver(post_save, sender=Sector, dispatch_uid="directory_reindex_on_sector_save")
def _sector_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        transaction.on_commit(
            lambda: services.organization_reindex_all(queryset=Organization.objects.filter(sectors=instance))
        )


@receiver(post_save, sender=Commune, dispatch_uid="directory_reindex_on_commune_save")
def _commune_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:
        transaction.on_commit(
            lambda: services.organization_reindex_all(queryset=Organization.objects.filter(commune=instance))
        )


# The search index follows a change log; every write that can change what a
# search finds (status, facets, texts) adds to it, whatever path it takes.
@receiver(post_save, sender=Organization, dispatch_uid="directory_search_change_on_save")
@receiver(post_delete, sender=Organization, dispatch_uid="directory_search_change_on_delete")
def _organization_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        services.record_search_change(instance.pk)


@receiver(post_save, sender=InternationalActivity, dispatch_uid="directory_search_change_on_activity_save")
@receiver(post_delete, sender=InternationalActivity, dispatch_uid="directory_search_change_on_activity_delete")
def _activity_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        services.record_search_change(instance.organization_id)


@receiver(m2m_changed, sender=Organization.sectors.through, dispatch_uid="directory_search_change_on_sectors")
@receiver(m2m_changed, sender=Organization.tags.through, dispatch_uid="directory_search_change_on_tags")
def _relations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            services.record_search_change(instance.pk)
    elif action in ("post_add", "post_remove"):
        services.record_search_change(*pk_set)
    elif action == "pre_clear":  # a sector or tag about to lose all its organisations
        services.record_search_change(*instance.organizations.values_list("pk", flat=True))
