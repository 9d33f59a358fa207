"""A small hand-made plan for tests."""

import datetime
from decimal import Decimal

from helice.strategy.models import Action, Axis, Indicator, Measurement, Objective, ObjectiveLink, Plan


def make_plan():
    plan = Plan.objects.create(slug="plan", title_fr="Plan d'innovation", vision_fr="Une métropole innovante.")
    axis1 = Axis.objects.create(plan=plan, code="1", title_fr="Gouvernance", position=0)
    axis2 = Axis.objects.create(plan=plan, code="2", title_fr="Filières", position=1)
    o11 = Objective.objects.create(axis=axis1, code="1.1", title_fr="Coordonner les acteurs")
    o21 = Objective.objects.create(axis=axis2, code="2.1", title_fr="Soutenir les filières")
    ObjectiveLink.objects.create(cause=o11, effect=o21)
    jobs = Indicator.objects.create(
        objective=o11,
        code="1.1.1",
        name_fr="Emplois créés",
        unit="emplois",
        baseline_value=Decimal(100),
        baseline_date=datetime.date(2020, 1, 1),
        target_value=Decimal(200),
        target_date=datetime.date(2030, 1, 1),
        frequency="yearly",
    )
    startups = Indicator.objects.create(
        objective=o21, code="2.1.1", name_fr="Start-up accompagnées", frequency="monthly"
    )
    action = Action.objects.create(
        plan=plan, code="A1", title_fr="Créer un comité", horizon="short", progress=40, status="in_progress"
    )
    action.objectives.set([o11])
    Action.objects.create(plan=plan, code="A2", title_fr="Cartographier", horizon="long")
    return {"plan": plan, "o11": o11, "o21": o21, "jobs": jobs, "startups": startups, "action": action}


def measure(indicator, period, value):
    return Measurement.objects.create(indicator=indicator, period=period, value=Decimal(value))
