"""Writes to the city's reference data: loading the taxonomy, departments and the map."""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from portal.city.demo_map import DATA_DIR, MapLayout
from portal.city.geometry import geometry_summary, to_geojson
from portal.city.lookup import grid_index_invalidate
from portal.city.models import (
    CaseKind,
    Category,
    CodeScheme,
    Community,
    Department,
    District,
    Grid,
    MajorCategory,
    Module,
    Street,
    TimeLimit,
)


@transaction.atomic
def departments_load(*, spec: dict) -> int:
    """Create or update the streets' district, the streets and the departments from a spec."""
    district, _ = District.objects.get_or_create(
        code=spec["district"]["code"],
        defaults={
            "name": spec["district"]["name"],
            "boundary": {"type": "MultiPolygon", "coordinates": []},
        },
    )
    for street in spec["streets"]:
        Street.objects.update_or_create(
            district=district, code=street["code"], defaults={"name": street["name"]}
        )
    streets = {s.code: s for s in Street.objects.filter(district=district)}
    for dept in spec["departments"]:
        Department.objects.update_or_create(
            code=dept["code"],
            defaults={
                "name": dept["name"],
                "kind": dept["kind"],
                "street": streets.get(dept["street"]) if dept["street"] else None,
                "phone": dept["phone"],
            },
        )
    return len(spec["departments"])


@transaction.atomic
def taxonomy_load(*, path: Path | None = None) -> int:
    """Load the case taxonomy (majors, minors, criteria, time limits) from the JSON data file.

    Existing rows are updated in place by code, so edits made in the data file reach the
    database; classes only added in the admin are left alone. Returns the number of minors.
    """
    data = json.loads((path or DATA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
    scheme_spec = data["scheme"]
    CodeScheme.objects.exclude(code=scheme_spec["code"]).update(is_current=False)
    scheme, _ = CodeScheme.objects.update_or_create(
        code=scheme_spec["code"],
        defaults={
            "name": scheme_spec["name"],
            "major_digits": scheme_spec["major_digits"],
            "minor_digits": scheme_spec["minor_digits"],
            "is_current": True,
        },
    )
    departments = {d.code: d for d in Department.objects.all()}
    count = 0
    for major_spec in data["majors"]:
        if major_spec["kind"] not in CaseKind.values:
            raise ValueError(f"unknown kind {major_spec['kind']!r}")
        major, _ = MajorCategory.objects.update_or_create(
            scheme=scheme,
            kind=major_spec["kind"],
            code=major_spec["code"],
            defaults={"name": major_spec["name"]},
        )
        for minor in major_spec["minors"]:
            category, _ = Category.objects.update_or_create(
                major=major,
                code=minor["code"],
                defaults={
                    "name": minor["name"],
                    "filing_criterion": minor["filing"],
                    "closing_criterion": minor["closing"],
                    "default_department": departments.get(minor["department"]),
                    "is_emergency": minor.get("emergency", False),
                    "public_notice": minor.get("notice", ""),
                },
            )
            for urgency, limit in minor["limits"].items():
                TimeLimit.objects.update_or_create(
                    category=category,
                    urgency=urgency,
                    defaults={"value": Decimal(str(limit["value"])), "unit": limit["unit"]},
                )
            count += 1
    return count


@transaction.atomic
def map_load(*, layout: MapLayout) -> int:
    """Write a generated map (communities, modules, grids); existing codes are kept as they are.

    Grids are inserted in batches; returns the number of grids created.
    """
    district = District.objects.get(code=layout.district_code)
    district.boundary = to_geojson(layout.boundary)
    district.save(update_fields=["boundary"])
    streets = {s.code: s for s in district.streets.all()}
    communities = {}
    for spec in layout.communities:
        community, _ = Community.objects.get_or_create(
            street=streets[spec.street], code=spec.code, defaults={"name": spec.name}
        )
        communities[spec.street, spec.code] = community
    modules = {}
    for spec in layout.modules:
        module, _ = Module.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "kind": spec.kind, "street": streets[spec.street]},
        )
        modules[spec.code] = module
    existing = set(Grid.objects.values_list("code", flat=True))
    batch: list[Grid] = []
    created = 0
    for spec in layout.grids:
        if spec.code in existing:
            continue
        community = communities[spec.street, spec.code[9:12]]
        grid = Grid(
            code=spec.code,
            community=community,
            module=modules[spec.module],
            geometry=to_geojson(spec.geom),
            responsible_party=f"{community.name}居民委员会",
        )
        # bulk_create skips save(): fill the derived columns the same way save() does.
        for name, value in geometry_summary(grid.geometry).items():
            setattr(grid, name, value)
        batch.append(grid)
        if len(batch) >= 500:
            Grid.objects.bulk_create(batch)
            created += len(batch)
            batch = []
    Grid.objects.bulk_create(batch)
    created += len(batch)
    transaction.on_commit(grid_index_invalidate)
    return created
