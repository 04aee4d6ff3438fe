"""`cpe probe`: target parsing, unreachable hosts, unknown answers, model comparison.
Each family's own fingerprints are tested beside its simulator (tests/test_probe_*.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiohttp import web

from cpe import probe as P
from cpe.context import Context
from cpe.errors import InputError
from cpe.settings import load_settings
from drivers.sim import SimRunner


def _ctx(home: Path) -> Context:
    return Context(settings=load_settings(home=home))


def test_targets_parse_as_host_port_or_login() -> None:
    assert P._split_target("127.0.0.1") == ("127.0.0.1", 2389)
    assert P._split_target("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert P._split_target("[::1]:2389") == ("::1", 2389)
    assert P._split_target("::1") == ("::1", 2389)
    assert P._split_target("maria.silva") is None
    with pytest.raises(InputError, match="invalid port"):
        P._split_target("127.0.0.1:99999")


def test_unreachable_host_says_so_with_the_next_step(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = P.probe(_ctx(tmp_path), f"127.0.0.1:{port}", timeout_s=1.0)
    assert not report.reachable and not report.identified and report.exit_code == 1
    assert "não respondeu" in report.message_pt
    assert report.next_step_pt and "grupo do provedor" in report.next_step_pt


def test_an_unknown_web_ui_is_reported_unidentified_without_any_login(tmp_path: Path) -> None:
    seen: list[str] = []

    async def page(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path_qs}")
        return web.Response(text="<html><title>Roteador X</title></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    with SimRunner() as runner:
        port = runner.add_app(app, "127.0.0.1", 0)
        report = P.probe(_ctx(tmp_path), f"127.0.0.1:{port}", timeout_s=2.0)
    assert report.reachable and not report.identified and not report.supported
    assert "nenhuma família" in report.message_pt
    # Reads only, plus TP-Link's unauthenticated key exchange (getGDPRParm carries no
    # credential); nothing is ever posted to a login form.
    reads = [line for line in seen if not line.startswith(("GET", "HEAD"))]
    assert reads in ([], ["POST /cgi/getGDPRParm"]), seen


def test_model_comparison_uses_the_driver() -> None:
    assert P._same_model("zte-f670l", "zte-onu")
    assert P._same_model("zyxel", "zyxel")
    assert not P._same_model("mercusys-mr30g", "mercusys-ac12g")
    assert not P._same_model("tplink-xz000-g3", "tplink-onu")


# --- login-page titles (drivers.probe.page_title, BeautifulSoup) ---------------------------


@pytest.mark.parametrize(
    ("page", "title"),
    [
        ('<html><head><TITLE id="t" lang="pt">MR30G</TITLE></head>', "MR30G"),
        ("<!-- <title>AC12G</title> --><title>MR30G</title>", "MR30G"),
        ('<script>document.write("<title>x</title>")</script><title>EX520</title>', "EX520"),
        ("<title>\n   ZXHN   F670L \n</title>", "ZXHN F670L"),
        ("<title>Tom &amp; Jerry</title>", "Tom & Jerry"),
        ("\x00\xff<<>><title>F6600P", "F6600P"),  # truncated garbage still has its title
        pytest.param(  # drivers.probe silences this at import; pytest resets filters per test
            "<?xml version='1.0'?><ajax_response_xml_root/>",
            None,
            marks=pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning"),
        ),
        ("<title>   </title>", None),
        ("no markup at all", None),
        ("", None),
    ],
)
def test_page_title_reads_garbage_html_as_a_browser_would(page: str, title: str | None) -> None:
    from drivers.probe import page_title

    assert page_title(page) == title
