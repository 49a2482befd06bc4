from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from targets.models import Indicator, Target


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "unit", "order"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "town", "campaign", "baseline", "target_value"]
    list_filter = ["campaign", "indicator", "town"]
    list_select_related = ["indicator", "town", "campaign"]
    search_fields = ["indicator__name", "indicator__code", "town__name"]
