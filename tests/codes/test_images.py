"""pm.codes.qr and pm.codes.barcode: what they draw scans back to the code (decoded with zbar;
SVG rendered to PNG with cairo first), in both formats."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

import promotor as pm
from promotor.errors import InputError

try:  # the Python packages are dev requirements; the C libraries are Debian packages
    import cairosvg
    from PIL import Image
    from pyzbar import pyzbar
except (ImportError, OSError) as err:  # a missing C library is an OSError in cairocffi
    pytest.skip(
        f"needs libzbar0 and libcairo2 (.ci/apt-packages.txt; `make system-deps`): {err}",
        allow_module_level=True,
    )


def scan(data: bytes, format: str) -> list[tuple[str, str]]:
    """(symbology, text) of every symbol zbar finds in the image."""
    if format == "svg":
        data = cairosvg.svg2png(bytestring=data, scale=4, background_color="white")
    image = Image.open(io.BytesIO(data)).convert("L")
    return [(s.type, s.data.decode("utf-8")) for s in pyzbar.decode(image)]


CODES = ["BLCKFRDY", "BF-7K2M-Q9XA", "sorry-2026-0042"]


@pytest.mark.parametrize("format", ["svg", "png"])
@pytest.mark.parametrize("code", [*CODES, "ÉTÉ-STRASSE"])
def test_a_qr_code_scans_back_to_the_code(code: str, format: str) -> None:
    data = pm.codes.qr(code, format=format)  # type: ignore[arg-type]
    assert isinstance(data, bytes)
    assert scan(data, format) == [("QRCODE", code)]


@pytest.mark.parametrize("format", ["svg", "png"])
@pytest.mark.parametrize("code", CODES)
def test_a_code128_barcode_scans_back_to_the_code(code: str, format: str) -> None:
    data = pm.codes.barcode(code, format=format)  # type: ignore[arg-type]
    assert scan(data, format) == [("CODE128", code)]


def test_svg_is_utf8_xml_and_svg_is_the_default() -> None:
    for data in (pm.codes.qr("BLCKFRDY"), pm.codes.barcode("BLCKFRDY")):
        root = ET.fromstring(data.decode("utf-8"))
        assert root.tag.endswith("svg")


def test_qr_options_change_the_drawing() -> None:
    small = Image.open(io.BytesIO(pm.codes.qr("BLCKFRDY", format="png", scale=2)))
    large = Image.open(io.BytesIO(pm.codes.qr("BLCKFRDY", format="png", scale=8)))
    assert large.size == (small.size[0] * 4, small.size[1] * 4)
    high = pm.codes.qr("BLCKFRDY", format="png", error="H", scale=4)
    assert scan(high, "png") == [("QRCODE", "BLCKFRDY")]


def test_other_symbologies_scan_back() -> None:
    data = pm.codes.barcode("BLCKFRDY", format="png", kind="code39")
    assert scan(data, "png") == [("CODE39", "BLCKFRDY")]


def test_what_a_barcode_cannot_hold_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        pm.codes.barcode("ÉTÉ-2026")
    [error] = info.value.errors()
    assert error["loc"] == ("code",)
    assert "use qr()" in error["msg"]
    with pytest.raises(InputError) as info:
        pm.codes.barcode("BLCKFRDY", kind="code129")
    [error] = info.value.errors()
    assert (error["type"], error["loc"]) == ("unknown_choice", ("kind",))
    assert "did you mean 'code128'?" in error["msg"]
    with pytest.raises(InputError, match="not a valid ean13 code"):
        pm.codes.barcode("BLCKFRDY", kind="ean13")
    with pytest.raises(InputError, match="'jpg' is not one of 'svg' or 'png'"):
        pm.codes.qr("BLCKFRDY", format="jpg")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="must not be empty"):
        pm.codes.qr("   ")
    with pytest.raises(InputError, match="zero width space"):
        pm.codes.qr("BLCKFRDY\u200b")
