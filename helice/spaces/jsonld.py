"""schema.org description of a space: a Place (schema.org has no finer type for an
incubator, a nursery or a third place), with its address, its position when it is
the address's own, its photos with their credits and its accessibility."""

from helice.core.jsonld import absolute_url
from helice.directory.models import LocationPrecision


def space(s, request) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Place",
        "name": s.display_name,
        "url": absolute_url(s.get_absolute_url(), request),
    }
    if s.description_text or s.summary:
        data["description"] = s.description_text or s.summary
    if s.summary and s.description_text:
        data["disambiguatingDescription"] = s.summary
    address = {"@type": "PostalAddress", "addressCountry": "FR"}
    if s.address:
        address["streetAddress"] = s.address
    if s.postal_code:
        address["postalCode"] = s.postal_code
    if s.commune_id:
        address["addressLocality"] = s.commune.name
    if len(address) > 2:
        data["address"] = address
    # An approximate position (the commune's centre) is not the place's: left out.
    if s.has_coordinates and s.location_precision != LocationPrecision.COMMUNE:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": s.latitude, "longitude": s.longitude}
    photos = [
        {
            "@type": "ImageObject",
            "contentUrl": absolute_url(photo.image.url, request),
            "caption": photo.alt,
            "creditText": photo.credit,
        }
        for photo in s.photos.all()
    ]
    if photos:
        data["photo"] = photos
    if s.wheelchair_accessible is not None:
        data["amenityFeature"] = [
            {"@type": "LocationFeatureSpecification", "name": "Wheelchair accessible", "value": s.wheelchair_accessible}
        ]
    if s.contact_phone:
        data["telephone"] = s.contact_phone
    if s.website:
        data["sameAs"] = s.website
    return data
