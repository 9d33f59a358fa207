"""Uploaded images (logos, pictures): checked by their content, then re-encoded.

Nothing the client says is trusted: neither the file name and its extension nor
the content type. The bytes are decoded by Pillow and only JPEG, PNG, WebP and
GIF pictures are accepted; SVG (which can hold scripts), HTML renamed ``.png``,
truncated or corrupt files, files over ``UPLOAD_MAX_IMAGE_BYTES`` and pictures
over ``UPLOAD_MAX_IMAGE_PIXELS`` (decompression bombs) are refused with a clear
message.

An accepted picture is never stored as sent: it is decoded, turned upright
(EXIF orientation), stripped of every metadata (EXIF, GPS position, comments,
colour profile, anything appended to the file, which is how polyglot files
hide a script) and encoded again under a random name: JPEG stays JPEG, WebP
stays WebP, PNG and GIF become PNG (a GIF keeps its first frame only).

Use ``SafeImageField`` in forms, or ``clean_image(uploaded)`` where a form
field does not fit. Model fields stay ``ImageField``.
"""

from __future__ import annotations

import io
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# Pillow format name -> (format written back, extension).
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("JPEG", "jpg"),
    "PNG": ("PNG", "png"),
    "WEBP": ("WEBP", "webp"),
    "GIF": ("PNG", "png"),
}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"
JPEG_QUALITY = 88
WEBP_QUALITY = 85

MESSAGES = {
    "too_large": _("This file is too large (%(size)s). The maximum is %(max)s."),
    "svg": _("SVG images are not accepted. Please send a JPEG, PNG, WebP or GIF image."),
    "not_an_image": _("This file is not an image that can be read. Please send a JPEG, PNG, WebP or GIF image."),
    "format": _("Images in the %(format)s format are not accepted. Please send a JPEG, PNG, WebP or GIF image."),
    "too_many_pixels": _(
        "This image is too large: %(width)s × %(height)s pixels. The maximum is %(max)s million pixels."
    ),
    "damaged": _("This image is damaged or incomplete. Please export it again and send the new file."),
}


def max_image_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_IMAGE_BYTES", DEFAULT_MAX_BYTES))


def max_image_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def _error(code: str, **params) -> ValidationError:
    return ValidationError(MESSAGES[code], code=code, params=params or None)


def _read(uploaded: File, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the upload (enough to know it is too large)."""
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    chunks, size = [], 0
    for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def _looks_like_svg(head: bytes) -> bool:
    start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or (start.startswith(b"<") and b"<svg" in start)


def clean_image(uploaded: File, *, max_bytes: int | None = None, max_pixels: int | None = None) -> ContentFile:
    """Check an uploaded image by its content and return a clean copy (a
    ``ContentFile`` with a random name), or raise ``ValidationError``."""
    max_bytes = max_image_bytes() if max_bytes is None else max_bytes
    max_pixels = max_image_pixels() if max_pixels is None else max_pixels

    size = getattr(uploaded, "size", None)
    if size is not None and size > max_bytes:
        raise _error("too_large", size=filesizeformat(size), max=filesizeformat(max_bytes))
    data = _read(uploaded, max_bytes)
    if len(data) > max_bytes:
        raise _error("too_large", size=filesizeformat(len(data)), max=filesizeformat(max_bytes))
    if _looks_like_svg(data):
        raise _error("svg")

    with warnings.catch_warnings():
        # Pillow warns, then fails, on pictures far larger than ours: both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _error("too_many_pixels", width="?", height="?", max=_megapixels(max_pixels)) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise _error("not_an_image") from None
        if probe.format not in ACCEPTED_FORMATS:
            raise _error("format", format=probe.format or "?")
        width, height = probe.size
        if width * height > max_pixels:
            raise _error("too_many_pixels", width=width, height=height, max=_megapixels(max_pixels))
        try:
            probe.verify()  # structure and checksums (PNG CRCs), without decoding
            image = Image.open(io.BytesIO(data))
            image.load()  # the whole picture: a truncated file fails here
            image = ImageOps.exif_transpose(image)
            output_format, extension = ACCEPTED_FORMATS[probe.format]
            content = _encode(image, output_format)
        except Exception:  # Pillow raises many kinds of error on damaged data: all are refusals.
            raise _error("damaged") from None
    return ContentFile(content, name=f"{uuid.uuid4().hex}.{extension}")


def store_image(upload, field) -> str:
    """Save a cleaned upload (``clean_image``) in the folder of the model's image
    ``field`` (its ``upload_to``) with a name no one can guess, and return its
    storage name: a proposal under moderation holds that name until it is
    published or refused."""
    import secrets

    from django.core.files.storage import default_storage

    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else "png"
    return default_storage.save(f"{field.upload_to.rstrip('/')}/{secrets.token_hex(12)}.{extension}", upload)


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _encode(image: Image.Image, output_format: str) -> bytes:
    """Encode the pixels alone: no EXIF, no XMP, no comment, no colour profile."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if output_format == "JPEG":
        image = image.convert("RGB")
    elif has_alpha:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # A fresh image holds the pixels and nothing of the original's info dictionary.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    if output_format == "JPEG":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif output_format == "WEBP":
        clean.save(buffer, "WEBP", quality=WEBP_QUALITY)
    else:
        clean.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class SafeImageField(forms.ImageField):
    """An image form field that checks the content and hands back a clean,
    re-encoded copy (``clean_image``). Its messages say what to send instead."""

    def to_python(self, data):
        uploaded = forms.FileField.to_python(self, data)  # empty, missing name, empty file
        if uploaded is None:
            return None
        return clean_image(uploaded)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPT_ATTRIBUTE
        return attrs
