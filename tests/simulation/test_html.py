"""The report's figures and its one-page HTML, opened in headless Chromium: the page renders
(a screenshot that is not blank), every image is inline and decodes, and the campaign names
are on it."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import promotor as pm

from .test_report import engine, orders

pytest.importorskip("matplotlib")


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian package chromium; .ci/run installs it)")


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def report() -> pm.Report:
    t = orders(60)
    return pm.simulate(engine(budget="150.00"), t, variants={"B": engine("400.00")}, progress=False)


@pytest.mark.parametrize("kind", ["burn_down", "cost_by_campaign", "discount_distribution"])
def test_plots_are_figures(report: pm.Report, kind: str) -> None:
    from matplotlib.figure import Figure

    fig = report.plot(kind)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title()


def test_unknown_plot_is_refused(report: pm.Report) -> None:
    with pytest.raises(ValueError, match="burn_down"):
        report.plot("pie")


def test_the_page_is_self_contained(report: pm.Report, tmp_path: Path) -> None:
    from PIL import Image

    page = report.to_html(tmp_path / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 3
    for data in images:
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            assert im.size[0] > 100
    # Nothing is fetched from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_the_page_renders_in_headless_chromium(report: pm.Report, tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    path = report.to_html(tmp_path / "report.html")
    url = path.resolve().as_uri()
    dom = run(["--dump-dom", url], tmp_path).stdout.decode()
    text = re.sub(r"<[^>]+>", " ", dom)
    for name in ("bf", "ship", "baseline", "Budget burn-down".lower()):
        assert name in text.lower() or name in dom
    shot = tmp_path / "shot.png"
    run([f"--screenshot={shot}", "--window-size=1200,2400", url], tmp_path)
    with Image.open(shot) as im:
        gray = im.convert("L")
        stat = ImageStat.Stat(gray)
        # Not blank: text, table borders and plots give contrast.
        assert stat.stddev[0] > 10
        lo, hi = gray.getextrema()
        assert hi - lo > 128
    # Every image decoded in the browser: a broken image has naturalWidth 0. Chromium runs the
    # page's script in --dump-dom, so let the page say it.
    probe = tmp_path / "probe.html"
    probe.write_text(
        path.read_text() + "<script>window.onload=()=>{document.body.setAttribute('data-broken',"
        "[...document.images].filter(i=>!i.complete||i.naturalWidth===0).length);"
        "document.body.setAttribute('data-images',document.images.length)}</script>"
    )
    dom = run(
        ["--dump-dom", "--virtual-time-budget=5000", probe.resolve().as_uri()], tmp_path
    ).stdout.decode()
    assert 'data-images="3"' in dom
    assert 'data-broken="0"' in dom
