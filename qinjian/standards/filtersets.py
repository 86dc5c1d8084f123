import django_filters

from .choices import LegacyScheme, MappingMatch
from .models import LegacyClassMapping


class LegacyClassMappingFilterSet(django_filters.FilterSet):
    scheme = django_filters.ChoiceFilter(label="旧分类体系", choices=LegacyScheme.choices, empty_label="全部")
    match = django_filters.ChoiceFilter(label="对应关系", choices=MappingMatch.choices, empty_label="全部")

    class Meta:
        model = LegacyClassMapping
        fields = ["scheme", "match"]
