"""Keep session tokens out of third-party log lines and exception texts.

Several web UIs carry the session in the URL (Mercusys `&id=<token>`, Zyxel
`?sessionkey=N`, Fiberhome `sessionid`), and urllib3 logs every request line at DEBUG and
puts the URL in its exception messages. Query values are masked wholesale: none of them
is worth a leaked session.
"""

from __future__ import annotations

import logging
import re

__all__ = ["install", "scrub"]

_QUERY_VALUE = re.compile(r"([?&][A-Za-z0-9_.\-]+=)[^&\s\"')]+")
_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "requests")


def scrub(text: str) -> str:
    return _QUERY_VALUE.sub(r"\1***", text)


class _QueryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Idempotent: adds the filter once per process."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QueryFilter) for f in logger.filters):
            logger.addFilter(_QueryFilter())
