"""Zyxel routers over the DAL web API (JSON, payload-encrypted on newer firmware).

`open()` first reads the unit's unauthenticated answers and picks the firmware profile
(`profiles.py`); a variant no profile knows stops there with `Unsupported`, before any
password. Reads: `status` (or `cardpage_status`), `wan`, `lan` objects. Writes are
read-modify-write of whole objects: PPPoE and WAN DNS on `wan` (edit key `Name`), DHCP
DNS on `lan`, Wi-Fi on the `wlan` object picked by MainSSID + band (notes 1.5-1.6).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr, ValidationError

from cpe.errors import ParseError, Unsupported
from cpe.models import (
    Band,
    Capability,
    Credential,
    DeviceStatus,
    DnsSettings,
    PppoeSettings,
    Target,
    Timeouts,
    Transport,
    WifiSettings,
)
from drivers.base import Driver, LoginAttempt
from drivers.zyxel import dal, guessed
from drivers.zyxel.webapi import ZyxelWebApi

__all__ = ["ZyxelWebDriver"]

DEFAULT_ACCOUNT = "supervisor"


class ZyxelWebDriver(Driver):
    model_keys: ClassVar[tuple[str, ...]] = ("zyxel",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI}
    )
    transport: ClassVar[Transport] = Transport.HTTP
    lock_threshold: ClassVar[int] = dal.LOCK_THRESHOLD
    lock_seconds: ClassVar[float] = dal.LOCK_SECONDS

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        super().__init__(target, credential, timeouts=timeouts, session=session)
        self.api = ZyxelWebApi(self.target, self.timeouts, session, self._err)

    def open(self) -> None:
        if not self.logged_in and self.api.profile is None:
            self.api.preflight()
        super().open()

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        return self.api.login(username or DEFAULT_ACCOUNT, password)

    def _logout(self) -> None:
        self.api.logout()

    def _ensure_open(self) -> None:
        if not self.logged_in:
            self.open()

    # -- reads ----------------------------------------------------------------------------

    def get_status(self) -> DeviceStatus:
        self._ensure_open()
        status = self.api.read_status()
        wans = self.api.dal_get("wan")
        lans = self.api.dal_get("lan")
        try:
            return dal.build_status(
                model=self.target.model,
                transport=self.transport,
                status=status[0] if status else {},
                wans=wans,
                lans=lans,
            )
        except (dal.DalShapeError, ValidationError) as exc:
            raise self._err(
                ParseError, f"status objects not understood ({type(exc).__name__})", "status"
            ) from exc

    def _pick(self, what: str, picker: Any, *args: Any) -> Any:
        try:
            return picker(*args)
        except dal.DalShapeError as exc:
            raise self._err(ParseError, str(exc), what) from exc

    # -- writes ---------------------------------------------------------------------------

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        self._ensure_open()
        wan = self._pick("set_pppoe", dal.select_wan, self.api.dal_get("wan"))
        self.api.dal_put("wan", dal.merged(wan, dal.pppoe_fields(settings)), "set_pppoe")

    def _set_dns(self, settings: DnsSettings) -> None:
        self._ensure_open()
        wan = self._pick("set_dns", dal.select_wan, self.api.dal_get("wan"))
        self.api.dal_put("wan", dal.merged(wan, dal.wan_dns_fields(settings)), "set_dns")
        lan = self._pick("set_dns", dal.select_lan, self.api.dal_get("lan"))
        self.api.dal_put("lan", dal.merged(lan, dal.lan_dns_fields(settings)), "set_dns")

    def _set_wifi(self, settings: WifiSettings) -> None:
        self._ensure_open()
        wlans = self.api.dal_get("wlan")
        obj = self._pick("set_wifi", dal.select_wlan, wlans, settings.band)
        if dal.as_bool(obj.get("oneSsidEnable")) and settings.band is Band.GHZ_5:
            raise self._err(
                Unsupported,
                "OneSSID is on: 5 GHz mirrors 2.4 GHz; change 2.4 GHz instead",
                "set_wifi",
            )
        self.api.dal_put("wlan", dal.merged(obj, dal.wifi_fields(settings)), "set_wifi")
        # The GUI asks the radio to apply (notes 1.6); the read-back verifies later.
        self.api.call("GET", guessed.WLAN_CHECK_PATH, "set_wifi")
