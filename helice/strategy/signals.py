"""Any change to the plan's parts or values marks the plan changed
(``Plan.changed_at``), which keys the cached dashboard: a new value shows at once
in every process, whatever the cache backend."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone


def plan_changed(**kwargs) -> None:
    from .models import Plan

    if kwargs.get("raw"):
        return
    Plan.objects.update(changed_at=timezone.now())


def connect() -> None:
    from .models import Action, ActionStep, Axis, Indicator, Measurement, Milestone, Objective, ObjectiveLink

    for model in (Axis, Objective, ObjectiveLink, Action, ActionStep, Milestone, Indicator, Measurement):
        post_save.connect(plan_changed, sender=model, dispatch_uid=f"strategy.changed.save.{model.__name__}")
        post_delete.connect(plan_changed, sender=model, dispatch_uid=f"strategy.changed.delete.{model.__name__}")
    for through in (Action.objectives.through, Action.partners.through):
        m2m_changed.connect(plan_changed, sender=through, dispatch_uid=f"strategy.changed.m2m.{through.__name__}")
