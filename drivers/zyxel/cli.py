"""Zyxel routers over the ZySH CLI (SSH or telnet; Target.transport picks, Target.cli_port
is the port). Reads: `sys atsh` and `cfg status|wan|lan get`; writes: `cfg <oid> edit`
with only the fields that change (the CLI front end merges them, notes 1.8).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr, ValidationError

from cpe.errors import CpeError, DeviceRejected, ParseError, Unsupported
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
from drivers.base import Driver, LoginAttempt, LoginResult
from drivers.zyxel import dal, guessed, zysh

__all__ = ["ZyxelCliDriver", "ZyxelSshDriver", "ZyxelTelnetDriver"]

DEFAULT_ACCOUNT = "supervisor"


def _arg(value: Any) -> str:
    return zysh.quote(dal.as_str(value))


class ZyxelCliDriver(Driver):
    model_keys: ClassVar[tuple[str, ...]] = ("zyxel",)
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.STATUS, Capability.PPPOE, Capability.DNS, Capability.WIFI}
    )
    lock_threshold: ClassVar[int] = dal.LOCK_THRESHOLD
    lock_seconds: ClassVar[float] = dal.LOCK_SECONDS
    default_cli_port: ClassVar[int] = guessed.DEFAULT_SSH_PORT

    def __init__(
        self,
        target: Target,
        credential: Credential,
        *,
        timeouts: Timeouts | None = None,
        session: Any = None,
    ) -> None:
        """`session`: an optional channel factory (`zysh.ChannelFactory`)."""
        super().__init__(target, credential, timeouts=timeouts, session=session)
        self._factory: zysh.ChannelFactory = session or zysh.connect
        self._chan: zysh.ZyshSession | None = None
        #: `cardpage_status` on firmware whose DAL table lacks `status` (as on the web).
        self.status_oid = guessed.STATUS_OIDS[0]

    def management_address(self) -> tuple[str, int]:
        return self.target.host, self.target.cli_port or self.default_cli_port

    # -- session --------------------------------------------------------------------------

    def _attempt_login(self, username: str | None, password: SecretStr) -> LoginAttempt:
        host, port = self.management_address()
        params = zysh.ZyshParams(
            self.transport, host, port, username or DEFAULT_ACCOUNT, self.timeouts
        )
        try:
            self._chan = self._factory(params, password)
        except zysh.CliLoginRefused as refused:
            return refused.attempt
        except CpeError as exc:
            raise self._context(exc, "login") from exc.__cause__
        return LoginAttempt(LoginResult.OK)

    def _logout(self) -> None:
        chan, self._chan = self._chan, None
        if chan is not None:
            chan.close()

    def _context(self, exc: CpeError, operation: str) -> CpeError:
        return exc.with_context(
            device=self.target.name, model=self.target.model, operation=operation
        )

    def _run(self, command: str, operation: str) -> list[str]:
        if not self.logged_in or self._chan is None:
            self.open()
        assert self._chan is not None
        try:
            return self._chan.run(command, operation)
        except CpeError as exc:
            raise self._context(exc, operation) from exc.__cause__

    def _cfg(self, command: str, operation: str) -> list[str]:
        lines = self._run(command, operation)
        try:
            return zysh.check_result(lines, command, operation)
        except CpeError as exc:
            raise self._context(exc, operation) from None

    def _objects(self, oid: str, operation: str) -> list[dict[str, Any]]:
        return zysh.parse_objects(self._cfg(f"cfg {oid} get", operation))

    def _edit(self, oid: str, fields: dict[str, Any], operation: str) -> None:
        args = " ".join(f"--{k} {_arg(v)}" for k, v in fields.items())
        self._cfg(f"cfg {oid} edit {args}", operation)

    def _pick(self, operation: str, picker: Any, *args: Any) -> Any:
        try:
            return picker(*args)
        except dal.DalShapeError as exc:
            raise self._err(ParseError, str(exc), operation) from exc

    # -- reads ----------------------------------------------------------------------------

    def _status_objects(self) -> list[dict[str, Any]]:
        for oid in guessed.STATUS_OIDS[guessed.STATUS_OIDS.index(self.status_oid) :]:
            try:
                objects = self._objects(oid, "status")
            except DeviceRejected as exc:
                if guessed.ZCFG_NO_SUCH_OBJECT not in str(exc):
                    raise
                continue  # this firmware's table lacks the oid: try the next one
            self.status_oid = oid
            return objects
        raise self._err(Unsupported, "ZySH has no status object on this firmware", "status")

    def get_status(self) -> DeviceStatus:
        identity = zysh.parse_objects(self._run("sys atsh", "status"))
        status = self._status_objects()
        wans = self._objects("wan", "status")
        lans = self._objects("lan", "status")
        try:
            return dal.build_status(
                model=self.target.model,
                transport=self.transport,
                status=status[0] if status else {},
                wans=wans,
                lans=lans,
                identity={k: dal.as_str(v) for k, v in (identity[0] if identity else {}).items()},
            )
        except (dal.DalShapeError, ValidationError) as exc:
            raise self._err(
                ParseError, f"ZySH status not understood ({type(exc).__name__})", "status"
            ) from exc

    # -- writes ---------------------------------------------------------------------------

    def _set_pppoe(self, settings: PppoeSettings) -> None:
        wan = self._pick("set_pppoe", dal.select_wan, self._objects("wan", "set_pppoe"))
        self._edit("wan", {"Name": wan.get("Name"), **dal.pppoe_fields(settings)}, "set_pppoe")

    def _set_dns(self, settings: DnsSettings) -> None:
        wan = self._pick("set_dns", dal.select_wan, self._objects("wan", "set_dns"))
        self._edit("wan", {"Name": wan.get("Name"), **dal.wan_dns_fields(settings)}, "set_dns")
        lan = self._pick("set_dns", dal.select_lan, self._objects("lan", "set_dns"))
        self._edit("lan", {"Name": lan.get("Name"), **dal.lan_dns_fields(settings)}, "set_dns")

    def _set_wifi(self, settings: WifiSettings) -> None:
        wlans = self._objects("wlan", "set_wifi")
        obj = self._pick("set_wifi", dal.select_wlan, wlans, settings.band)
        if dal.as_bool(obj.get("oneSsidEnable")) and settings.band is Band.GHZ_5:
            raise self._err(
                Unsupported,
                "OneSSID is on: 5 GHz mirrors 2.4 GHz; change 2.4 GHz instead",
                "set_wifi",
            )
        self._edit("wlan", {"Index": obj.get("Index"), **dal.wifi_fields(settings)}, "set_wifi")


class ZyxelSshDriver(ZyxelCliDriver):
    transport: ClassVar[Transport] = Transport.SSH
    default_cli_port: ClassVar[int] = guessed.DEFAULT_SSH_PORT


class ZyxelTelnetDriver(ZyxelCliDriver):
    transport: ClassVar[Transport] = Transport.TELNET
    default_cli_port: ClassVar[int] = guessed.DEFAULT_TELNET_PORT
