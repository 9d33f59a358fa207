"""Synthetic values for the strategy's benchmark: the territory's plan, and ten
years of monthly values for every indicator, in the bench database only.

    .venv/bin/python bench/generate_measurements.py \\
        --database-url postgres://postgres@127.0.0.1:5432/helice_bench

The plan is loaded from the Grenoble dataset (helice/core/data/grenoble/strategy),
then, in the bench database only, every indicator is made monthly with a synthetic
baseline and target so that every status rule runs (the dataset itself gives no
target and is never touched). Same seed, same values."""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_services import DEFAULT_DATABASE_URL, ensure_postgres


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    ensure_postgres(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from helice.core.services import territory_path
    from helice.strategy import services
    from helice.strategy.models import Indicator, Measurement
    from helice.strategy.status import add_months

    if connection.vendor != "postgresql":
        raise SystemExit("The bench database must be PostgreSQL.")
    started = time.monotonic()
    counts = services.plan_load(path=territory_path("grenoble"))
    print(f"Plan: {counts['axes']} axes, {counts['objectives']} objectives, {counts['indicators']} indicators.")
    rng = random.Random(args.seed)
    first = add_months(timezone.localdate().replace(day=1), -12 * args.years)
    rows = []
    with transaction.atomic():
        Measurement.objects.filter(indicator__objective__axis__plan__slug="grenoble-innovation-plan").delete()
        for indicator in Indicator.objects.all():
            base = Decimal(rng.randint(10, 1000))
            growth = Decimal(rng.uniform(0.2, 1.5)).quantize(Decimal("0.01"))
            indicator.frequency = "monthly"
            indicator.direction = "higher"
            indicator.baseline_value, indicator.baseline_date = base, first
            indicator.target_value = base * (1 + growth)
            indicator.target_date = add_months(first, 12 * (args.years + 2))
            indicator.save()
            value = base
            for month in range(12 * args.years):
                value = max(Decimal(0), value + base * growth / (12 * args.years) * Decimal(rng.uniform(-0.5, 2)))
                rows.append(
                    Measurement(
                        indicator=indicator, period=add_months(first, month), value=value.quantize(Decimal("0.01"))
                    )
                )
        Measurement.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE strategy_measurement")
    print(f"Done: {len(rows)} values for {Indicator.objects.count()} indicators in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
