"""Uploaded images are judged by their content and stored re-encoded, without metadata."""

import io
import struct
import zlib

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from PIL import ExifTags, Image

from helice.core.uploads import ACCEPT_ATTRIBUTE, SafeImageField, clean_image


def picture(fmt="PNG", size=(40, 20), mode="RGB", color=(200, 30, 30), **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def noise(size=(120, 120)) -> bytes:
    """A PNG that does not compress well (so that cutting it loses pixel data)."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, bytes((i * 7919) % 251 for i in range(size[0] * size[1] * 3))).save(buffer, "PNG")
    return buffer.getvalue()


def upload(content: bytes, name="image.png", content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_with_gps_and_orientation() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown rotated by 90° clockwise
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (45.0, 11.0, 18.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 43.0, 30.0)
    return picture("JPEG", size=(40, 20), exif=exif.tobytes())


def open_result(result) -> Image.Image:
    result.seek(0)
    return Image.open(io.BytesIO(result.read()))


def message(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def test_the_fixture_really_carries_gps_and_orientation():
    image = Image.open(io.BytesIO(jpeg_with_gps_and_orientation()))
    assert image.getexif()[ExifTags.Base.Orientation] == 6
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_a_jpeg_loses_its_gps_position_and_every_metadata_and_is_turned_upright():
    result = clean_image(upload(jpeg_with_gps_and_orientation(), "photo.jpg", "image/jpeg"))
    image = open_result(result)
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # the orientation was applied to the pixels
    assert len(image.getexif()) == 0
    assert "exif" not in image.info
    result.seek(0)
    raw = result.read()
    assert b"PhoneMaker" not in raw
    assert b"Exif" not in raw


@pytest.mark.parametrize(
    ("content", "fmt", "extension"),
    [
        (picture("PNG"), "PNG", "png"),
        (picture("JPEG"), "JPEG", "jpg"),
        (picture("WEBP"), "WEBP", "webp"),
        (picture("GIF", mode="P", color=3), "PNG", "png"),
    ],
)
def test_valid_pictures_round_trip_under_a_random_name(content, fmt, extension):
    result = clean_image(upload(content, "../../etc/passwd<script>.png"))
    assert result.name.endswith(f".{extension}")
    stem = result.name.rsplit(".", 1)[0]
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
    image = open_result(result)
    assert image.format == fmt
    assert image.size == (40, 20)


def test_transparency_is_kept():
    result = clean_image(upload(picture("PNG", mode="RGBA", color=(0, 0, 0, 0))))
    image = open_result(result)
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0


def test_a_colour_jpeg_keeps_its_colours():
    image = open_result(clean_image(upload(picture("JPEG", color=(200, 30, 30)), "a.jpg")))
    red, green, blue = image.getpixel((10, 10))
    assert red > 180 and green < 60 and blue < 60


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (SVG, "logo.svg", "SVG"),
        (b"  <svg onload=alert(1)></svg>", "logo.png", "SVG"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "photo.png", "not an image"),
        (b"%PDF-1.4 not a picture", "photo.jpg", "not an image"),
        (b"", "empty.png", "empty"),
    ],
)
def test_non_images_are_refused_with_a_clear_message(content, name, expected):
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            SafeImageField().clean(upload(content, name))
        assert expected in message(error)


def test_a_truncated_png_is_refused():
    content = noise()
    with pytest.raises(ValidationError) as error:
        clean_image(upload(content[: len(content) // 2]))
    assert error.value.code == "damaged"


def test_a_png_with_a_bad_checksum_is_refused():
    content = bytearray(noise())
    content[40] ^= 0xFF  # inside the first IDAT chunk, after the header
    with pytest.raises(ValidationError) as error:
        clean_image(upload(bytes(content)))
    assert error.value.code in {"damaged", "not_an_image"}


def test_an_oversized_file_is_refused_before_it_is_decoded(settings):
    settings.UPLOAD_MAX_IMAGE_BYTES = 1000
    content = noise()
    assert len(content) > 1000
    with pytest.raises(ValidationError) as error:
        clean_image(upload(content))
    assert error.value.code == "too_large"
    assert error.value.params == {"size": filesizeformat(len(content)), "max": filesizeformat(1000)}
    assert filesizeformat(1000) in message(error)


def test_a_picture_over_the_pixel_limit_is_refused():
    # 7000 × 6000 = 42 million pixels (over the 40 million default), a few kilobytes on disk.
    bomb = picture("PNG", size=(7000, 6000), mode="1", color=0)
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as error:
        clean_image(upload(bomb))
    assert error.value.code == "too_many_pixels"
    assert "7000" in message(error)


def test_a_header_claiming_a_gigantic_picture_is_refused_without_decoding():
    """A forged PNG header (100,000 × 100,000): Pillow's own bomb guard fires first."""
    content = bytearray(picture("PNG", size=(1, 1)))
    ihdr = struct.pack(">II", 100_000, 100_000) + bytes(content[24:29])
    content[16:29] = ihdr
    content[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    with pytest.raises(ValidationError) as error:
        clean_image(upload(bytes(content)))
    assert error.value.code == "too_many_pixels"


def test_the_pixel_limit_follows_the_setting(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 500
    with pytest.raises(ValidationError) as error:
        clean_image(upload(picture("PNG", size=(40, 20))))
    assert error.value.code == "too_many_pixels"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_formats_are_refused(fmt):
    with pytest.raises(ValidationError) as error:
        clean_image(upload(picture(fmt, size=(16, 16)), f"x.{fmt.lower()}"))
    assert error.value.code == "format"
    assert fmt in message(error)


def test_a_polyglot_loses_what_was_hidden_after_the_picture():
    polyglot = picture("GIF", mode="P", color=1) + b"<script>alert(1)</script><?php system($_GET['c']); ?>"
    result = clean_image(upload(polyglot, "x.gif", "image/gif"))
    result.seek(0)
    raw = result.read()
    assert b"<script" not in raw and b"<?php" not in raw
    assert open_result(result).format == "PNG"


def test_a_script_in_a_jpeg_comment_is_dropped():
    content = picture("JPEG", comment=b"<script>alert(1)</script>")
    assert b"<script>" in content
    result = clean_image(upload(content, "x.jpg"))
    result.seek(0)
    assert b"<script" not in result.read()


def test_the_client_content_type_and_name_are_ignored():
    result = clean_image(upload(picture("JPEG"), "photo.png", "image/svg+xml"))
    assert result.name.endswith(".jpg")


class LogoForm(forms.Form):
    logo = SafeImageField(required=False)


def test_the_form_field_returns_the_clean_copy_and_renders_an_accept_list():
    form = LogoForm(files={"logo": upload(jpeg_with_gps_and_orientation(), "me.jpg")})
    assert form.is_valid(), form.errors
    logo = form.cleaned_data["logo"]
    assert logo.name.endswith(".jpg") and logo.name != "me.jpg"
    assert len(open_result(logo).getexif()) == 0
    assert f'accept="{ACCEPT_ATTRIBUTE}"' in str(form["logo"])


def test_the_form_field_shows_the_error_on_the_field():
    form = LogoForm(files={"logo": upload(SVG, "logo.svg", "image/svg+xml")})
    assert not form.is_valid()
    assert form.errors["logo"]
    assert LogoForm(files={}).is_valid()


def test_the_clean_copy_saves_through_a_model_image_field(tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    result = clean_image(upload(picture("PNG")))
    name = storage.save(f"logos/{result.name}", result)
    with storage.open(name) as stored:
        assert Image.open(stored).format == "PNG"
