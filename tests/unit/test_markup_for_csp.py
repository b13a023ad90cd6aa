"""The pages work under the Content-Security-Policy (no inline script or style): templates carry
no style attribute, inline script or event handler, and every scale length the questionnaire
uses has its CSS class (the class replaced a style attribute)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from instruments import available_versions, load_instrument

WEB = Path(__file__).parents[2] / "survey_app" / "web"
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))
FORBIDDEN = {
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_the_templates_were_found():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(WEB / "templates")))
def test_no_inline_script_or_style(template):
    text = template.read_text()
    found = {name: pattern.findall(text) for name, pattern in FORBIDDEN.items() if pattern.search(text)}
    assert found == {}


@pytest.mark.parametrize("version", available_versions())
def test_every_scale_length_has_its_css_class(version):
    css = (WEB / "static" / "app.css").read_text()
    lengths = {item.max - item.min + 1 for item in load_instrument(version).items if item.kind == "scale"}
    assert lengths, "the questionnaire has scales"
    missing = sorted(n for n in lengths if not re.search(rf"\.scale-points-{n}\s*\{{\s*--points:\s*{n};", css))
    assert missing == []
