"""The ThinkLua `ajax_response_xml_root` document: read (driver) and write (simulator).

    <ajax_response_xml_root>
      <IF_ERRORPARAM>SUCC</IF_ERRORPARAM><IF_ERRORTYPE>SUCC</IF_ERRORTYPE>
      <IF_ERRORSTR>SUCC</IF_ERRORSTR><IF_ERRORID>0</IF_ERRORID>
      <OBJ_DEVINFO_ID><Instance>
        <ParaName>_InstID</ParaName><ParaValue>IGD</ParaValue>
        <ParaName>ModelName</ParaName><ParaValue>F670L</ParaValue> ...
      </Instance></OBJ_DEVINFO_ID>
      <encode>UserName,Password</encode>
    </ajax_response_xml_root>

Parsed with BeautifulSoup's stdlib HTML parser (no DTDs, no entity expansion). That parser
folds tag names to lower case, so objects are looked up case-insensitively
(`OBJ_Br0AndDhcpsHosCfg_ID` is mixed case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from drivers.zte import guessed

ROOT = "ajax_response_xml_root"
_HEADER = ("IF_ERRORPARAM", "IF_ERRORTYPE", "IF_ERRORSTR", "IF_ERRORID")
_HEADER_LOWER = {h.lower() for h in _HEADER} | {"encode"}

Instance = dict[str, str]


@dataclass(frozen=True)
class AjaxReply:
    errorstr: str
    errorid: int | None = None
    errorparam: str = ""
    #: Object name (lower case) → its instances, in document order.
    objects: dict[str, list[Instance]] = field(default_factory=dict)
    #: Field names the device sent encoded (the `<encode>` list).
    encoded: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return self.errorstr == guessed.ERR_SUCCESS

    @property
    def session_timeout(self) -> bool:
        return self.errorstr == guessed.ERR_SESSION_TIMEOUT

    def instances(self, obj: str) -> list[Instance]:
        return self.objects.get(obj.lower(), [])

    def first(self, obj: str) -> Instance:
        found = self.instances(obj)
        return found[0] if found else {}


# html.parser rescans to the end of the text for every '<' it cannot close (quadratic: a
# 70 KB hostile answer took minutes). ThinkLua tags carry no attributes, so any other '<'
# (comment, doctype, CDATA, attribute, stray) is text: escape it before parsing.
_NOT_A_TAG = re.compile(r"<(?!/?[A-Za-z_][\w.:-]*\s*/?>|\?[^<>]*>)")
_TAG = re.compile(r"<(/?)[A-Za-z_][\w.:-]*\s*(/?)>")
#: ThinkLua documents nest 4 deep; BeautifulSoup relinks the whole ancestor chain on each
#: insert, so a hostile deep nest costs depth² (a 400 KB one took 4 s).
_MAX_DEPTH = 64


def _too_deep(text: str) -> bool:
    depth = 0
    for match in _TAG.finditer(text):
        if match.group(1):
            depth = max(0, depth - 1)
        elif not match.group(2):
            depth += 1
            if depth > _MAX_DEPTH:
                return True
    return False


def _root(text: str) -> Tag:
    text = _NOT_A_TAG.sub("&lt;", text)
    if _too_deep(text):
        raise ValueError("not a ThinkLua XML answer (nested too deep)")
    soup = BeautifulSoup(text, "html.parser")
    root = soup.find(ROOT)
    if not isinstance(root, Tag):
        raise ValueError("not a ThinkLua XML answer")
    return root


def _tags(node: Tag) -> Iterable[Tag]:
    return (c for c in node.children if isinstance(c, Tag))


def _instance(node: Tag) -> Instance:
    values: Instance = {}
    name: str | None = None
    for child in _tags(node):
        if child.name == "paraname":
            name = child.get_text()
        elif child.name == "paravalue" and name is not None:
            values[name] = child.get_text()
            name = None
    return values


def parse_reply(text: str) -> AjaxReply:
    """Raise ValueError when `text` is not an ajax_response_xml_root document."""
    root = _root(text)
    header: dict[str, str] = {}
    objects: dict[str, list[Instance]] = {}
    encoded: set[str] = set()
    for child in _tags(root):
        if child.name in _HEADER_LOWER:
            if child.name == "encode":
                encoded.update(n.strip() for n in child.get_text().split(",") if n.strip())
            else:
                header[child.name.upper()] = child.get_text().strip()
            continue
        objects[child.name.lower()] = [
            _instance(inst) for inst in _tags(child) if inst.name == "instance"
        ]
    if "IF_ERRORSTR" not in header:
        raise ValueError("ThinkLua XML answer without IF_ERRORSTR")
    errorid: int | None
    try:
        errorid = int(header.get("IF_ERRORID", ""))
    except ValueError:
        errorid = None
    return AjaxReply(
        errorstr=header["IF_ERRORSTR"],
        errorid=errorid,
        errorparam=header.get("IF_ERRORPARAM", ""),
        objects=objects,
        encoded=frozenset(encoded),
    )


def parse_root_text(text: str) -> str:
    """The bare text of the root (the `login_token` answer)."""
    return _root(text).get_text().strip()


# --- building (simulator) --------------------------------------------------------------------


def _esc(value: str) -> str:
    # The firmware escapes spaces as &#32; as well (seen in captures).
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(" ", "&#32;")
    )


def build_reply(
    objects: Sequence[tuple[str, Sequence[Mapping[str, str]]]] = (),
    *,
    errorstr: str = guessed.ERR_SUCCESS,
    errorid: int = 0,
    errorparam: str = guessed.ERR_SUCCESS,
    errortype: str = guessed.ERR_SUCCESS,
    encode: Sequence[str] = (),
) -> str:
    parts = [
        f"<{ROOT}>",
        f"<IF_ERRORPARAM>{_esc(errorparam)}</IF_ERRORPARAM>",
        f"<IF_ERRORTYPE>{_esc(errortype)}</IF_ERRORTYPE>",
        f"<IF_ERRORSTR>{_esc(errorstr)}</IF_ERRORSTR>",
        f"<IF_ERRORID>{errorid}</IF_ERRORID>",
    ]
    for name, instances in objects:
        parts.append(f"<{name}>")
        for inst in instances:
            parts.append("<Instance>")
            for key, value in inst.items():
                inner = f"<ParaValue>{_esc(value)}</ParaValue>" if value else "<ParaValue/>"
                parts.append(f"<ParaName>{_esc(key)}</ParaName>{inner}")
            parts.append("</Instance>")
        parts.append(f"</{name}>")
    if encode:
        parts.append(f"<encode>{','.join(encode)}</encode>")
    parts.append(f"</{ROOT}>")
    return "".join(parts)


def build_root_text(text: str) -> str:
    return f"<{ROOT}>{_esc(text)}</{ROOT}>"
