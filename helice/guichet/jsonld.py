"""schema.org description of a service (a FinancialProduct for financing, a
Service otherwise), provided by its organisations."""

from helice.core.jsonld import absolute_url


def service(s, request) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "FinancialProduct" if s.is_financing else "Service",
        "name": s.display_name,
        "url": absolute_url(s.get_absolute_url(), request),
        "serviceType": s.get_kind_display(),
        "provider": [
            {"@type": "Organization", "name": o.name, "url": absolute_url(o.get_absolute_url(), request)}
            for o in s.providers.all()
            if o.status == "published"
        ],
    }
    if s.description_text:
        data["description"] = s.description_text
    if s.summary:
        data["disambiguatingDescription"] = s.summary
    if s.sectors.all():
        data["audience"] = {
            "@type": "BusinessAudience",
            "audienceType": ", ".join(sector.name for sector in s.sectors.all()),
        }
    if s.website:
        data["sameAs"] = s.website
    return data
