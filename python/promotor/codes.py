"""Codes: generation, the one normalisation, QR codes and barcodes (docs/codes.md).

Generation and normalisation run in the Rust core (``promotor._native``), so the engine, both
evaluators and (later) the stores compare codes by the same key. QR codes and barcodes need the
``codes`` extra (``pip install 'promotor[codes]'``: segno, python-barcode and Pillow).

>>> import promotor as pm
>>> pm.codes.generate("BF-####-####", count=3, seed=7)
['BF-Y6VW-WTJ3', 'BF-C5MA-RFNS', 'BF-QQ59-SMNQ']
>>> pm.codes.normalize("  ＢＦ-ẞ ")
'bf-ss'
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, Literal, overload

from promotor import _native
from promotor._text import suggest
from promotor.errors import InputError, detail

__all__ = [
    "DEFAULT_CHARSET",
    "MAX_COUNT",
    "MIN_GUESS_BITS",
    "barcode",
    "generate",
    "normalize",
    "qr",
]

DEFAULT_CHARSET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Upper-case letters and digits without the look-alikes 0, O, 1 and I: 32 characters."""

MAX_COUNT = 10_000_000
"""The most codes one call generates."""

MIN_GUESS_BITS = 20
"""At most one random guess in 2**20 may hit a live code."""

Format = Literal["svg", "png"]


@overload
def generate(
    pattern: str,
    count: int = ...,
    charset: str | None = ...,
    prefix: str = ...,
    suffix: str = ...,
    seed: int | None = ...,
    existing: Iterable[str] | None = ...,
    arrow: Literal[False] = ...,
    min_guess_bits: int = ...,
) -> list[str]: ...
@overload
def generate(
    pattern: str,
    count: int = ...,
    charset: str | None = ...,
    prefix: str = ...,
    suffix: str = ...,
    seed: int | None = ...,
    existing: Iterable[str] | None = ...,
    *,
    arrow: Literal[True],
    min_guess_bits: int = ...,
) -> Any: ...
def generate(
    pattern: str,
    count: int = 1,
    charset: str | None = None,
    prefix: str = "",
    suffix: str = "",
    seed: int | None = None,
    existing: Iterable[str] | None = None,
    arrow: bool = False,
    min_guess_bits: int = MIN_GUESS_BITS,
) -> list[str] | Any:
    """``count`` distinct random codes of ``prefix + pattern + suffix``.

    Each ``#`` of ``pattern`` is one random character of ``charset`` (default
    :data:`DEFAULT_CHARSET`); everything else, and all of ``prefix`` and ``suffix``, is
    literal. The random source is a CSPRNG seeded by the operating system; ``seed`` (an int
    below 2**64) makes the codes reproducible, for tests and examples only. No two codes share a
    normalised key, and none has the key of a code in ``existing`` (a campaign's pool: an
    iterable of str, or a pyarrow string array).

    Raises :class:`~promotor.errors.RuleError` when the pattern is too small: with
    ``len(existing) + count`` live codes, one random guess in ``2**min_guess_bits`` at most may
    hit one (the error gives the numbers). With ``arrow=True`` the result is a
    ``pyarrow.StringArray`` instead of a list, for bulk paths. The GIL is released while
    generating.

    >>> generate("SP-########", count=2, charset="ABCDEFGH", prefix="2026-", seed=1)
    ['2026-SP-CBADDGDC', '2026-SP-FFGHADAG']
    >>> generate("BF-####", count=1000)
    Traceback (most recent call last):
    ...
    promotor.errors.RuleError: pattern: pattern too small: 4 random characters of 32 make \
1,048,576 codes for 1,000 live codes, so one random guess in 1,048 hits a live code (10.0 \
bits); at least 20 bits are needed: use 6 or more random characters
    """
    if existing is not None and hasattr(existing, "to_pylist"):  # a pyarrow array
        existing = existing.to_pylist()
    result = _native.generate_codes(
        pattern, count, charset, prefix, suffix, seed, existing, min_guess_bits, arrow
    )
    if arrow:
        return _pyarrow().Array._import_from_c_capsule(*result)
    return result


def normalize(code: str, case_sensitive: bool = False) -> str:
    """The comparison key of a code: NFKC, trimmed, Unicode (full) case folding.

    With ``case_sensitive=True``, the key an engine built with
    ``pm.Engine(..., codes_case_sensitive=True)`` matches codes by: the same without the
    case folding (``normalize("Bf10", case_sensitive=True) == "Bf10"``).

    Two codes are the same code when their keys are equal: ``"STRASSE"`` and ``"straße"``,
    ``"BLCKFRDY"`` and ``" blckfrdy "``. Zero-width and bidi control characters raise
    :class:`~promotor.errors.InputError` with their position.

    >>> normalize("STRASSE") == normalize("straße")
    True
    >>> normalize(" ＢＦ10 ", case_sensitive=True), normalize(" ＢＦ10 ")
    ('BF10', 'bf10')
    >>> normalize(" bf-12ab\\u200b ")
    Traceback (most recent call last):
    ...
    promotor.errors.InputError: invisible character U+200B (zero width space) at position 8: \
codes must not contain zero-width or bidi control characters
    """
    return _native.normalize_code(code, case_sensitive)


def _checked(code: str) -> str:
    if not isinstance(code, str):
        raise InputError(
            [detail("type_mismatch", ("code",), expected="a str", got=type(code).__name__)]
        )
    if not normalize(code):
        raise InputError([detail("empty", ("code",))])
    return code


def _format(format: str) -> Format:
    if format not in ("svg", "png"):
        raise InputError(
            [detail("unknown_choice", ("format",), got=str(format), expected="'svg' or 'png'")]
        )
    return format  # type: ignore[return-value]


def _extra(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"QR codes and barcodes need {module.split('.')[0]}: pip install 'promotor[codes]'"
        ) from None


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("arrow=True needs pyarrow: pip install 'promotor[arrow]'") from None
    return pyarrow


def qr(
    code: str,
    format: Format = "svg",
    *,
    error: Literal["L", "M", "Q", "H"] = "M",
    scale: int = 4,
    border: int = 4,
    dark: str = "#000",
    light: str = "#fff",
) -> bytes:
    """A QR code of ``code`` (as given, not normalised) as SVG (UTF-8) or PNG bytes.

    ``error`` is the error-correction level, ``scale`` the pixels (SVG units) of one module,
    ``border`` the quiet zone in modules. Made with segno; text that is not ASCII is encoded as
    UTF-8.

    >>> svg = qr("BF-7K2M-Q9XA")
    >>> svg.startswith(b"<?xml")
    True
    """
    code = _checked(code)
    kind = _format(format)
    segno = _extra("segno")
    out = io.BytesIO()
    # Non-ASCII text as UTF-8: what phone scanners and zbar read when no ECI says otherwise
    # (segno would pick ISO 8859-1, which many readers take for Shift JIS).
    encoding = None if code.isascii() else "utf-8"
    segno.make_qr(code, error=error, encoding=encoding).save(
        out, kind=kind, scale=scale, border=border, dark=dark, light=light
    )
    return out.getvalue()


def barcode(
    code: str,
    format: Format = "svg",
    kind: str = "code128",
    *,
    text: bool = True,
    module_width: float = 0.2,
    module_height: float = 15.0,
    quiet_zone: float = 6.5,
    dpi: int = 300,
) -> bytes:
    """A barcode of ``code`` (as given) as SVG (UTF-8) or PNG bytes; Code 128 by default.

    ``kind`` is any symbology python-barcode provides (``"code128"``, ``"code39"``,
    ``"ean13"``, ...); ``text`` prints the code under the bars; sizes are in millimetres and
    ``dpi`` sets a PNG's resolution. A code the symbology cannot hold (Code 128 holds ASCII
    only) raises :class:`~promotor.errors.InputError`: use :func:`qr` for such codes.

    >>> png = barcode("BF-7K2M", format="png")
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    code = _checked(code)
    fmt = _format(format)
    lib = _extra("barcode")
    writers = _extra("barcode.writer")
    errors = _extra("barcode.errors")
    if kind not in lib.PROVIDED_BARCODES:
        kinds = list(lib.PROVIDED_BARCODES)
        raise InputError(
            [
                detail(
                    "unknown_choice",
                    ("kind",),
                    got=str(kind),
                    expected="the barcode kinds " + ", ".join(kinds),
                    suggestion=suggest(str(kind), kinds),
                )
            ]
        )
    if kind == "code128":
        bad = next(((i, c) for i, c in enumerate(code) if not " " <= c <= "~"), None)
        if bad is not None:
            problem = detail(
                "invalid",
                ("code",),
                message=f"Code 128 holds printable ASCII only; {bad[1]!r} at position {bad[0]} "
                "is not: use qr() for this code",
            )
            raise InputError([{**problem, "ctx": {"position": bad[0]}}])
    writer = writers.SVGWriter() if fmt == "svg" else writers.ImageWriter(format="PNG", dpi=dpi)
    options = {
        "module_width": module_width,
        "module_height": module_height,
        "quiet_zone": quiet_zone,
        "write_text": text,
    }
    try:
        # Code 39's optional check character would be read as part of the code.
        extra = {"add_checksum": False} if kind == "code39" else {}
        symbol = lib.get_barcode_class(kind)(code, writer=writer, **extra)
    except errors.BarcodeError as err:
        raise InputError(
            [detail("invalid", ("code",), message=f"not a valid {kind} code: {err}")]
        ) from None
    out = io.BytesIO()
    symbol.write(out, options)
    return out.getvalue()
