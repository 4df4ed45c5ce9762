"""HTML building blocks escape their input and inline their images."""

from __future__ import annotations

import base64

from benchlab.report.html_page import image, page, table


def test_table_escapes_and_sorts() -> None:
    html = table([{"name": "<script>x</script>", "value": 0.123456}], text_columns=["name"])
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "0.1235" in html and 'class="sortable"' in html


def test_image_is_a_data_uri() -> None:
    png = b"\x89PNG\r\n\x1a\nfake"
    assert base64.b64encode(png).decode() in image(png, "a plot")


def test_page_is_one_document_with_inline_script() -> None:
    html = page("t<", "<p>body</p>")
    assert html.startswith("<!DOCTYPE html>") and "<title>t&lt;</title>" in html
    assert "<script>" in html and "src=" not in html
