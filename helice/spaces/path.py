"""The company path ("parcours résidentiel"): for each sector, which spaces serve
each phase (be born, grow, reinvent itself), and the gaps.

A space serves a sector when the sector is among its sectors, or when it has no
sector (open to every sector). A phase of a sector is a gap when no existing
space serves it, and is "without a dedicated space" when only spaces open to
every sector serve it; spaces the plan lists as "to be created" are shown beside
the gap, never as filling it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from helice.core.models import Sector

from .models import PHASE_FIELDS, PathPhase, PlanStatus, Space


@dataclass
class Step:
    phase: str
    label: str
    dedicated: list[Space] = field(default_factory=list)
    generalist: list[Space] = field(default_factory=list)
    planned: list[Space] = field(default_factory=list)

    @property
    def is_gap(self) -> bool:
        return not self.dedicated and not self.generalist

    @property
    def only_generalist(self) -> bool:
        """Served, but by no space dedicated to the sector: a softer gap."""
        return not self.dedicated and bool(self.generalist)

    @property
    def offer_count(self) -> int:
        return len(self.dedicated) + len(self.generalist)


@dataclass
class SectorPath:
    sector: Sector
    steps: list[Step]

    @property
    def gaps(self) -> list[Step]:
        return [step for step in self.steps if step.is_gap]

    @property
    def undedicated(self) -> list[Step]:
        return [step for step in self.steps if step.only_generalist]


def company_paths(sector_slugs: list[str] | None = None) -> list[SectorPath]:
    """One path per active sector (or per sector of ``sector_slugs``), in the
    sectors' order. Two queries whatever the number of spaces."""
    sectors = list(Sector.objects.active())
    if sector_slugs:
        sectors = [s for s in sectors if s.slug in sector_slugs]
    spaces = list(
        Space.objects.published()
        .prefetch_related(Prefetch("sectors", queryset=Sector.objects.only("id", "slug")))
        .order_by("name_key", "id")
    )
    paths = []
    for sector in sectors:
        steps = []
        for phase, field_name in PHASE_FIELDS.items():
            step = Step(phase=phase, label=str(PathPhase(phase).label))
            for space in spaces:
                if not getattr(space, field_name):
                    continue
                space_sectors = {s.pk for s in space.sectors.all()}
                if space_sectors and sector.pk not in space_sectors:
                    continue
                if space.plan_status == PlanStatus.TO_CREATE:
                    step.planned.append(space)
                elif space_sectors:
                    step.dedicated.append(space)
                else:
                    step.generalist.append(space)
            steps.append(step)
        paths.append(SectorPath(sector=sector, steps=steps))
    return paths
