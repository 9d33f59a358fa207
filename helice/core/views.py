"""Home, global search and the site's legal pages."""

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_POST

from helice.core import sections
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
            context["organizations"] = result.organizations(0, 10)
            context["organizations_count"] = result.total
            context["corrections"] = result.corrections
            # What the later parts find (services…): providers registered under "search".
            context["more_sections"] = sections.for_object(filters.q, key="search")
    return render(request, "core/search.html", context, status=status)


@require_POST
def set_language(request):
    """Django's set_language, run in the language of the page the visitor comes
    from, so that its address (/en/annuaire/) is recognised and translated."""
    next_url = request.POST.get("next", "")
    with translation.override(translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE):
        return i18n_views.set_language(request)


@require_GET
def accessibility(request):
    return render(request, "core/accessibility.html")


@require_GET
def legal_notice(request):
    return render(request, "core/legal_notice.html")
