"""schema.org JSON-LD for organisations."""

from helice.core.jsonld import absolute_url


def organization(o, request=None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": absolute_url(o.get_absolute_url(), request),
        "name": o.name,
        "url": o.website or absolute_url(o.get_absolute_url(), request),
    }
    if o.acronym:
        data["alternateName"] = o.acronym
    if o.description:
        data["description"] = o.description_text
    if o.logo:
        data["logo"] = absolute_url(o.logo.url, request)
    if o.founding_year:
        data["foundingDate"] = str(o.founding_year)
    if o.siren:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "SIREN", "value": o.siren}
    if o.siret:
        data["taxID"] = o.siret
    if o.naf_code:
        data["additionalProperty"] = [{"@type": "PropertyValue", "propertyID": "NAF", "value": o.naf_code}]
    address = {"@type": "PostalAddress", "addressCountry": "FR"}
    if o.address:
        address["streetAddress"] = o.address
    if o.postal_code:
        address["postalCode"] = o.postal_code
    if o.commune:
        address["addressLocality"] = o.commune.name
    if len(address) > 2:
        data["address"] = address
    if o.has_coordinates:
        data["location"] = {
            "@type": "Place",
            "geo": {"@type": "GeoCoordinates", "latitude": o.latitude, "longitude": o.longitude},
        }
    sectors = [s.name for s in o.sectors.all()]
    if sectors:
        data["knowsAbout"] = sectors
    countries = sorted({a.country.name for a in o.international_activities.all()})
    if countries:
        data["areaServed"] = [{"@type": "Country", "name": str(c)} for c in countries]
    return data
