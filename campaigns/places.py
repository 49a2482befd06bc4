"""Towns and villages named in a spreadsheet cell or a search box: one resolver, one wording.

Staff write a town by its full name (龙街街道) or its short name (龙街), with stray spaces or full-width
brackets; villages by their name, which the push lists and the business system spell the same way once
normalised. Every importer, filter and command resolves places here, so a name that one of them accepts
is accepted by all, and a name that is refused is refused in the same words.

A village that a list names under a known town and that we do not hold yet is created under that town:
the prefecture's lists are the register of villages. A name ending in 社区 is a community, any other a
village.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campaigns.models import County, Town, Village
from campaigns.text import normalize_text

__all__ = [
    "PlaceError",
    "Places",
    "town_lookup",
    "towns_named",
    "village_kind",
]

VILLAGE_NAME_MAX = Village._meta.get_field("name").max_length


class PlaceError(ValueError):
    """A place that cannot be resolved; ``message`` is a whole Chinese sentence naming the column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def village_kind(name: str) -> str:
    """社区 names a community (an urban neighbourhood committee); everything else is a village."""
    return Village.Kind.COMMUNITY if name.endswith("社区") else Village.Kind.VILLAGE


def towns_named(text: object, queryset: QuerySet[Town] | None = None) -> QuerySet[Town]:
    """The towns whose full or short name is ``text`` (normalised), within ``queryset``."""
    name = normalize_text(text)
    queryset = Town.objects.all() if queryset is None else queryset
    if not name:
        return queryset.none()
    return queryset.filter(Q(name=name) | Q(short_name=name))


def town_lookup(*, name: str, county_id: int | None = None) -> Town:
    """One town by its full or short name; `PlaceError` if there is none, or several (in different counties)."""
    towns = towns_named(name)
    if county_id is not None:
        towns = towns.filter(county_id=county_id)
    found = list(towns[:2])
    shown = normalize_text(name)
    if not found:
        raise PlaceError(_("找不到镇（街道）“%(name)s”") % {"name": shown})
    if len(found) > 1:
        raise PlaceError(
            _("镇（街道）“%(name)s”在多个县（市、区）都有，请使用全称并指定县（市、区）") % {"name": shown}
        )
    return found[0]


class Places:
    """A county's towns and villages held in memory, for resolving every row of a file without a query.

    ``town(text)`` resolves a town cell and ``village(text)`` checks a village cell; once every row is read,
    ``villages_create_missing(pairs)`` creates the villages the stored rows name that we did not hold (one
    bulk insert) and ``village_id(town_id, name)`` gives their ids.
    """

    def __init__(self, county: County | int) -> None:
        self.county_id = county if isinstance(county, int) else county.pk
        self.county_name = (
            county.name if isinstance(county, County) else County.objects.values_list("name", flat=True).get(pk=county)
        )
        self.towns: dict[str, Town] = {}
        towns = list(Town.objects.filter(county_id=self.county_id))
        # Full names first: a short name never hides another town's full name.
        for town in towns:
            self.towns[normalize_text(town.name)] = town
        for town in towns:
            if town.short_name:
                self.towns.setdefault(normalize_text(town.short_name), town)
        self._villages: dict[tuple[int, str], int] | None = None

    # --- towns -------------------------------------------------------------------------------------

    def town(self, value: object, *, label: str | None = None) -> Town:
        """The town a cell names; `PlaceError` when the cell is empty or names no town of the county."""
        name = normalize_text(value)
        town = self.towns.get(name) if name else None
        if town is not None:
            return town
        label = label or _("所属镇（街道）")  # translated only for the message: this runs once a row
        if not name:
            raise PlaceError(_("缺少%(label)s") % {"label": label})
        if town is None:
            raise PlaceError(
                _("%(label)s“%(name)s”不是%(county)s的镇（街道）")
                % {"label": label, "name": name, "county": self.county_name}
            )
        return town

    # --- villages ----------------------------------------------------------------------------------

    def village(self, value: object) -> str:
        """The normalised village name of a cell ("" when blank); `PlaceError` when it cannot be a name."""
        name = normalize_text(value)
        if len(name) > VILLAGE_NAME_MAX:
            raise PlaceError(_("村（社区）名称过长（超过 %(n)d 个字）") % {"n": VILLAGE_NAME_MAX})
        return name

    def _known(self, town_ids: Iterable[int]) -> dict[tuple[int, str], int]:
        found: dict[tuple[int, str], int] = {}
        for village_id, town_id, name in Village.objects.filter(town_id__in=set(town_ids)).values_list(
            "id", "town_id", "name"
        ):
            found.setdefault((town_id, normalize_text(name)), village_id)
        return found

    def villages_create_missing(self, wanted: Iterable[tuple[int, str]]) -> None:
        """Create, in one insert, the villages of ``wanted`` (town id, name) that the county does not hold yet.

        Called with the villages of the rows that are stored, never of rejected ones; an import storing its rows
        a chunk at a time calls it for each chunk, and only a chunk naming a village not seen before queries.
        """
        known = self._villages if self._villages is not None else {}
        unknown = {(town_id, name) for town_id, name in wanted if name} - known.keys()
        if unknown:
            known = {**known, **self._known({town_id for town_id, _name in unknown})}
            missing = sorted(unknown - known.keys())
            if missing:
                Village.objects.bulk_create(
                    [Village(town_id=town_id, name=name, kind=village_kind(name)) for town_id, name in missing],
                    ignore_conflicts=True,
                )
                known.update(self._known({town_id for town_id, _name in missing}))
        self._villages = known

    def villages_known(self) -> dict[tuple[int, str], int]:
        """The villages with an id so far, (town id, name) → id: no query, so another thread may ask (it sees
        the villages created up to then)."""
        return self._villages or {}

    def village_id(self, town_id: int, name: str) -> int | None:
        """The id of a village `village` returned (None for ""); call `villages_create_missing` first."""
        if not name:
            return None
        if self._villages is None:
            raise RuntimeError("villages_create_missing() must run before village_id()")
        return self._villages[(town_id, name)]
