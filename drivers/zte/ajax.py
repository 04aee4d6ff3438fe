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

Read with a small linear tokenizer (no DTDs, no entity expansion beyond the standard
character references). Tag names fold to lower case, so objects are looked up
case-insensitively (`OBJ_Br0AndDhcpsHosCfg_ID` is mixed case).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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


# A small tokenizer instead of an HTML parser: ThinkLua tags carry no attributes, so a tag
# is `<name>`, `</name>` or `<name/>` and every other '<' is text. One linear pass, no
# DTDs, no entity expansion beyond the standard references (BeautifulSoup cost ~40% of the
# client CPU of a status read). Tag names fold to lower case, as an HTML parser would.
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.:-]*)\s*(/?)>")
#: ThinkLua documents nest 4 deep; deeper is not an answer of ours.
_MAX_DEPTH = 64


class _Node:
    __slots__ = ("items", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        #: Text pieces and child nodes, in document order.
        self.items: list[str | _Node] = []

    def children(self) -> list[_Node]:
        return [i for i in self.items if type(i) is _Node]

    def text(self) -> str:
        items = self.items
        if len(items) == 1 and type(items[0]) is str:  # the usual leaf: one text piece
            return items[0]
        return "".join(i if type(i) is str else i.text() for i in items)  # type: ignore[union-attr]

    def find(self, name: str) -> _Node | None:
        for child in self.children():
            if child.name == name:
                return child
            found = child.find(name)
            if found is not None:
                return found
        return None


def _tree(text: str) -> _Node:
    # One pass over the tags (the hot loop of a ZTE status read: locals, no helper calls).
    doc = _Node("")
    stack = [doc]
    items = doc.items  # the innermost open node's
    unescape = html.unescape
    pos = 0
    for match in _TAG.finditer(text):
        start, end = match.span()
        if start > pos:
            piece = text[pos:start]
            items.append(unescape(piece) if "&" in piece else piece)
        pos = end
        closing, name, self_closing = match.groups()
        name = name.lower()
        if closing:
            # Close the nearest open tag of that name (and whatever it left open).
            if len(stack) > 1 and stack[-1].name == name:
                stack.pop()
            else:
                for depth in range(len(stack) - 2, 0, -1):
                    if stack[depth].name == name:
                        del stack[depth:]
                        break
            items = stack[-1].items
            continue
        node = _Node(name)
        items.append(node)
        if not self_closing:
            if len(stack) > _MAX_DEPTH:
                raise ValueError("not a ThinkLua XML answer (nested too deep)")
            stack.append(node)
            items = node.items
    if pos < len(text):
        items.append(_unescape(text[pos:]))
    return doc


def _unescape(piece: str) -> str:
    return html.unescape(piece) if "&" in piece else piece


def _root(text: str) -> _Node:
    root = _tree(text).find(ROOT)
    if root is None:
        raise ValueError("not a ThinkLua XML answer")
    return root


def _instance(node: _Node) -> Instance:
    values: Instance = {}
    name: str | None = None
    for child in node.items:
        if type(child) is not _Node:
            continue
        if child.name == "paraname":
            name = child.text()
        elif child.name == "paravalue" and name is not None:
            values[name] = child.text()
            name = None
    return values


def parse_reply(text: str) -> AjaxReply:
    """Raise ValueError when `text` is not an ajax_response_xml_root document."""
    root = _root(text)
    header: dict[str, str] = {}
    objects: dict[str, list[Instance]] = {}
    encoded: set[str] = set()
    for child in root.children():
        if child.name in _HEADER_LOWER:
            if child.name == "encode":
                encoded.update(n.strip() for n in child.text().split(",") if n.strip())
            else:
                header[child.name.upper()] = child.text().strip()
            continue
        objects[child.name] = [
            _instance(inst) for inst in child.children() if inst.name == "instance"
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
    return _root(text).text().strip()


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
