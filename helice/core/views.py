"""Home, global search and the site's legal pages."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from helice.directory import selectors as directory_selectors
from helice.directory.forms import DirectoryFilterForm


@require_GET
def home(request):
    return render(request, "core/home.html", {"counts": directory_selectors.home_counts()})


@require_GET
def global_search(request):
    """One search box for every part; each part contributes its best matches."""
    form = DirectoryFilterForm(request.GET)
    context = {"form": form, "q": request.GET.get("q", "")[:200]}
    status = 200
    if not form.is_valid():
        context["error"], status = form.error_text(), 400
    else:
        filters = form.to_filters()
        if filters.q:
            result = directory_selectors.organization_search(filters)
            context["organizations"] = list(directory_selectors.with_list_relations(result.queryset)[:10])
            context["organizations_count"] = result.queryset.count()
            context["corrections"] = result.corrections
    return render(request, "core/search.html", context, status=status)


@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html")


@require_GET
def legal_notice(request):
    return render(request, "core/legal_notice.html")
