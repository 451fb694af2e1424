"""devices.yaml, scenario and suite files: pydantic models, loaded with file:line in every error."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A user-facing configuration error; str() names the file, the line and the field."""

    def __init__(self, path: Path, line: int | None, field: str | None, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


# ---------------------------------------------------------------- YAML with line numbers

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def _line_map(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _line_map(value_node, loc + (key_node.value,), lines)
            lines[loc + (key_node.value,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, loc + (i,), lines)


def load_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file into plain Python values plus a map from value path to line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, None, f"cannot read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(path, line, None, f"not valid YAML: {exc.problem}") from exc
    lines: dict[Loc, int] = {}
    if node is None:
        return None, lines
    _line_map(node, (), lines)
    return yaml.safe_load(text), lines


def _nearest_line(loc: Sequence[str | int], lines: dict[Loc, int]) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def _validate(model: type[M], data: Any, path: Path, lines: dict[Loc, int], base: Loc = ()) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        # drop pydantic's union/tag markers from the location so it matches the YAML path
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and (p in _TAGS or "[" in p)))
        field = _dotted(base + loc) or None
        raise ConfigError(path, _nearest_line(base + loc, lines), field, err["msg"]) from exc


# ---------------------------------------------------------------- devices.yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SimProfile(BaseModel):
    """Simulated personal data a sim device hands to mini programs (canaries for the recognisers)."""

    model_config = ConfigDict(extra="allow")
    location: dict[str, float] = {"latitude": 31.230416, "longitude": 121.473701, "accuracy": 30.0}
    phoneNumber: str = "13800138000"
    clipboard: str = ""


class SimDevice(_Strict):
    name: str
    kind: Literal["sim"]
    tags: list[str] = []
    app: Path | None = None  # default mini program source folder
    profile: SimProfile = SimProfile()
    # N interchangeable sims from one entry: NAME-1..NAME-N, each also tagged NAME (see load_devices)
    replicas: int = Field(1, ge=1, le=32)


_SERIAL = re.compile(r"^[A-Za-z0-9._:-]+$")
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")


def _check_host_port(value: str, what: str) -> str:
    match = _HOST_PORT.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(f"{what} must be host:port (e.g. 192.168.1.20:27042), not {value!r}")
    return value


class AndroidProxy(_Strict):
    """The mitmproxy this device's traffic goes through (one per device)."""

    listen: str = "127.0.0.1"  # host address mitmproxy binds to
    port: int = Field(8080, gt=0, lt=65536)
    # the address the phone sends its traffic to; None: 127.0.0.1 on the phone through `adb reverse`
    device_host: str | None = None


class AndroidDevice(_Strict):
    """A phone or emulator with WeChat (com.tencent.mm), reached through adb, Appium and frida-server."""

    name: str
    kind: Literal["android"]
    serial: str  # adb serial (USB or emulator-5554) or host:port for network adb
    appium_url: str = "http://127.0.0.1:4723"
    frida: str = "usb"  # "usb" (through adb) or host:port of a frida-server listening on the network
    frida_server: str = "/data/local/tmp/frida-server"  # where frida-server lives on the device
    proxy: AndroidProxy = AndroidProxy()
    ca: Literal["system", "frida"] = "system"  # how the mitmproxy CA is trusted: system store or Frida-side
    tags: list[str] = []
    account: str | None = None  # label of the WeChat test account logged in on the phone

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str) -> str:
        if not _SERIAL.match(value):
            raise ValueError(f"an adb serial (as `adb devices` prints it) or host:port, not {value!r}")
        if ":" in value and not value.startswith("emulator-"):
            _check_host_port(value, "a network adb serial")
        return value

    @field_validator("appium_url")
    @classmethod
    def _appium_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"an http:// URL of the Appium server, e.g. http://127.0.0.1:4723, not {value!r}")
        return value.rstrip("/")

    @field_validator("frida")
    @classmethod
    def _frida(cls, value: str) -> str:
        return value if value == "usb" else _check_host_port(value, "frida (or `usb`)")

    @property
    def network_adb(self) -> bool:
        """Reached over TCP (`adb connect host:port`) rather than USB or as a local emulator."""
        return bool(_HOST_PORT.match(self.serial))


Device = Annotated[SimDevice | AndroidDevice, Field(discriminator="kind")]
_TAGS = {"sim", "android"}


class DevicesFile(_Strict):
    devices: list[Device]

    @field_validator("devices")
    @classmethod
    def _unique_names(cls, devices: list[SimDevice | AndroidDevice]) -> list[SimDevice | AndroidDevice]:
        seen: set[str] = set()
        for d in devices:
            if d.name in seen:
                raise ValueError(f"device name {d.name!r} is used twice")
            seen.add(d.name)
        return devices


def load_devices(path: Path) -> DevicesFile:
    """The inventory, with every sim entry of ``replicas: N`` expanded into NAME-1 .. NAME-N."""
    data, lines = load_yaml(path)
    inventory = _validate(DevicesFile, data, path, lines)
    expanded: list[SimDevice | AndroidDevice] = []
    for device in inventory.devices:
        if isinstance(device, SimDevice) and device.replicas > 1:
            expanded += [device.model_copy(update={"name": f"{device.name}-{n}", "replicas": 1,
                                                   "tags": [*device.tags, device.name]})
                         for n in range(1, device.replicas + 1)]
        else:
            expanded.append(device)
    names = [d.name for d in expanded]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(path, lines.get(("devices",)), "devices", f"device name {name!r} is used twice "
                              "(a `replicas:` entry NAME makes NAME-1, NAME-2, ...)")
    return DevicesFile.model_construct(devices=expanded)


# ---------------------------------------------------------------- scenarios


class StepSpec(_Strict):
    """One scenario step: exactly one action with its argument, plus common options."""

    action: Literal[
        "launch", "relaunch", "wait", "tap", "input", "privacy_popup", "scope_popup", "dialog", "screenshot",
        "settings", "crawl", "background", "switch",
    ]
    arg: Any = None
    optional: bool = False  # a popup/dialog step that finds nothing is noted, not failed
    timeout: float = 5.0
    line: int | None = None

    @property
    def label(self) -> str:
        return f"{self.action} {self.arg}" if self.arg not in (None, {}) else self.action


ACTIONS = StepSpec.model_fields["action"].annotation.__args__  # type: ignore[union-attr]
_CHOICES = {
    "privacy_popup": ("agree", "refuse"),
    "scope_popup": ("allow", "refuse"),
    "dialog": ("agree", "refuse"),
}
_COMMON = {"optional", "timeout"}


def _parse_step(raw: Any, path: Path, lines: dict[Loc, int], loc: Loc) -> StepSpec:
    line = lines.get(loc)
    if not isinstance(raw, dict):
        if isinstance(raw, str) and raw in ("launch", "relaunch", "crawl"):
            raw = {raw: None}
        else:
            raise ConfigError(path, line, _dotted(loc), "a step is a mapping such as `- tap: 附近门店`")
    actions = [k for k in raw if k not in _COMMON]
    if len(actions) != 1 or actions[0] not in ACTIONS:
        unknown = [k for k in actions if k not in ACTIONS]
        hint = f"unknown action {unknown[0]!r}; " if unknown else ""
        raise ConfigError(
            path, line, _dotted(loc), f"{hint}a step needs exactly one action of: {', '.join(ACTIONS)}"
        )
    action = actions[0]
    arg = raw[action]
    arg_loc = loc + (action,)
    if action in _CHOICES and arg not in _CHOICES[action]:
        raise ConfigError(
            path, lines.get(arg_loc, line), _dotted(arg_loc), f"must be one of {', '.join(_CHOICES[action])}"
        )
    if action == "wait" and not isinstance(arg, (int, float)):
        raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc), "wait takes seconds, e.g. `- wait: 2`")
    if action == "background" and (isinstance(arg, bool) or not isinstance(arg, (int, float)) or arg <= 0):
        raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc),
                          "background takes the seconds to stay in the background, e.g. `- background: 5`")
    if action in ("tap",) and not (isinstance(arg, str) and arg.strip()):
        raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc), "tap takes the visible text to tap")
    if action == "input" and not (isinstance(arg, dict) and {"into", "text"} <= set(arg) and _input_text(arg["text"])):
        raise ConfigError(
            path, lines.get(arg_loc, line), _dotted(arg_loc),
            "input takes {into: <placeholder>, text: <text>} (or text: {canary: <profile canary, e.g. id_card.minor>})",
        )
    if action in ("launch", "relaunch") and arg is not None and not (
        isinstance(arg, dict) and set(arg) <= {"path", "query"}
    ):
        raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc), "takes nothing or {path, query}")
    if action == "settings":  # the openSetting page: {scope.userLocation: on, scope.camera: off}
        switches = {"on": True, "off": False, True: True, False: False}
        if not (isinstance(arg, dict) and arg and all(
                str(k).startswith("scope.") and isinstance(v, (bool, str)) and v in switches for k, v in arg.items())):
            raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc),
                              "settings takes {scope.NAME: on|off, ...}, e.g. {scope.userLocation: on}")
        arg = {str(k): switches[v] for k, v in arg.items()}
    if action == "crawl":
        arg = _crawl_arg(arg, path, lines.get(arg_loc, line), _dotted(arg_loc))
    if action == "switch":  # the page's own switches, by the text beside them: {个性化推荐: off}
        states = {"on": True, "off": False, True: True, False: False}
        if not (isinstance(arg, dict) and arg and all(
                isinstance(k, str) and k.strip() and isinstance(v, (bool, str)) and v in states for k, v in arg.items())):
            raise ConfigError(path, lines.get(arg_loc, line), _dotted(arg_loc),
                              "switch takes {<text beside the switch>: on|off, ...}, e.g. {个性化推荐: off}")
        arg = {k.strip(): states[v] for k, v in arg.items()}
    fields = {k: raw[k] for k in _COMMON if k in raw}
    return _validate(StepSpec, {"action": action, "arg": arg, "line": line, **fields}, path, lines, loc)


def _crawl_arg(arg: Any, path: Path, line: int | None, field: str) -> dict[str, Any]:
    """`- crawl` or `- crawl: {from: 我的, depth: 4, screens: 40, seconds: 120}` (harness/crawl.py), normalised."""
    from harness.crawl import DEFAULT_DEPTH, DEFAULT_SCREENS, DEFAULT_SECONDS, MAX_DEPTH

    usage = "crawl takes nothing or {from: <text to tap first>, depth: 1-5, screens: N, seconds: S}"
    arg = {} if arg is None else arg
    if not isinstance(arg, dict) or not set(arg) <= {"from", "depth", "screens", "seconds"}:
        raise ConfigError(path, line, field, usage)
    first, depth = arg.get("from"), arg.get("depth", DEFAULT_DEPTH)
    screens, seconds = arg.get("screens", DEFAULT_SCREENS), arg.get("seconds", DEFAULT_SECONDS)
    if first is not None and not (isinstance(first, str) and first.strip()):
        raise ConfigError(path, line, f"{field}.from", "from takes the visible text to tap first, e.g. 我的")
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ConfigError(path, line, f"{field}.depth", f"depth takes a number of taps from 1 to {MAX_DEPTH}")
    if isinstance(screens, bool) or not isinstance(screens, int) or not 1 <= screens <= 500:
        raise ConfigError(path, line, f"{field}.screens", "screens takes the most screens to record, 1 to 500")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
        raise ConfigError(path, line, f"{field}.seconds", "seconds takes the crawl's time budget, at most 3600")
    return {"from": first.strip() if first else None, "depth": depth, "screens": screens, "seconds": float(seconds)}


def _input_text(text: Any) -> bool:
    """What an input step may type: text, or ``{canary: NAME}`` (the session's profile value of that canary)."""
    if isinstance(text, dict):
        return set(text) == {"canary"} and isinstance(text["canary"], str) and bool(text["canary"].strip())
    return text is not None


def _dotted(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(loc))


class ReturningUser(_Strict):
    """Start as a user who used the mini program before: consent and scope decisions carried over.
    Without it every session starts as a first-time user (WeChat after deleting the mini program
    from 最近使用)."""

    privacy: Literal["agreed", "not_asked"] = "agreed"
    scopes: dict[str, Literal["allow", "deny"]] = {}

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = [k for k in value if not re.fullmatch(r"scope\.[A-Za-z]+", k)]
        if wrong:
            raise ValueError(f"not a scope name: {', '.join(wrong)} (e.g. scope.userLocation)")
        return value


class Scenario(_Strict):
    name: str
    description: str = ""
    file: Path | None = None
    steps: list[StepSpec]
    timeout: float | None = None  # seconds for the whole session; None: the run's --session-timeout
    returning_user: ReturningUser | None = None  # None: a first-time user (consent and scopes reset)
    # the device profile for this scenario (S10): {id_card: minor|adult} and/or profile fields to replace
    profile: dict[str, Any] = {}
    # probe settings (probes.config.ProbeConfig fields); after load_suite: the suite's merged with these
    probes: dict[str, Any] = {}


_APPID = re.compile(r"^wx[0-9a-f]{16}$")
QUERY_MAX = 512  # WeChat's limit on the URL scheme's query (after percent-encoding)


class AndroidApp(_Strict):
    """A mini program as WeChat on a phone opens it (suite `apps:` mapping entries)."""

    appid: str
    env_version: Literal["release", "trial", "develop"] = "release"
    path: str | None = None  # page path, enabled for the URL scheme in the MP console
    query: str | None = None  # the page's query string, e.g. "a=1&b=2"
    name: str | None = None  # a label for reports (defaults to the appid)

    @field_validator("appid")
    @classmethod
    def _appid(cls, value: str) -> str:
        if not _APPID.match(value):
            raise ValueError(f"an appid is wx followed by 16 hex digits (see the MP console), not {value!r}")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("/") or "?" in value or not value.strip()):
            raise ValueError("a page path like pages/index/index (no leading /, the query goes in `query`)")
        return value

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        from urllib.parse import quote

        if value is not None and len(quote(value, safe="")) > QUERY_MAX:
            raise ValueError(f"WeChat accepts at most {QUERY_MAX} characters of query after percent-encoding")
        return value

    @property
    def label(self) -> str:
        return self.name or self.appid


class Suite(_Strict):
    name: str
    file: Path
    # mini program source folders (sim) or AndroidApp mappings; empty = the device's own app
    apps: list[Path | AndroidApp] = []
    scenarios: list[Scenario]
    probes: dict[str, Any] = {}  # suite-wide probe settings (each scenario's `probes` already has them)


def _probe_settings(value: Any, path: Path, lines: dict[Loc, int], loc: Loc) -> dict[str, Any]:
    """A `probes:` mapping of ProbeConfig fields (service_type, first_party_domains, ...), validated."""
    from probes.config import ProbeConfig

    if not isinstance(value, dict):
        raise ConfigError(path, lines.get(loc), _dotted(loc), "a mapping of probe settings, e.g. `service_type: 网上购物`")
    _validate(ProbeConfig, value, path, lines, loc)
    return dict(value)


def _profile_overrides(value: Any, path: Path, lines: dict[Loc, int], loc: Loc) -> dict[str, Any]:
    """A scenario's `profile:`: ``id_card: minor|adult`` (harness.profiles) and SimProfile fields to replace."""
    from harness.profiles import ID_CARD_HOLDERS

    if not isinstance(value, dict) or not value:
        raise ConfigError(path, lines.get(loc), _dotted(loc), "a mapping such as `profile: {id_card: minor}`")
    if "id_card" in value and value["id_card"] not in ID_CARD_HOLDERS:
        raise ConfigError(path, lines.get(loc + ("id_card",), lines.get(loc)), _dotted(loc + ("id_card",)),
                          f"must be one of {', '.join(ID_CARD_HOLDERS)} (the resident ID the sim seeds as a canary)")
    fields = {k: v for k, v in value.items() if k != "id_card"}
    _validate(SimProfile, {**SimProfile().model_dump(), **fields}, path, lines, loc)
    return dict(value)


def _scenario_from(data: Any, path: Path, lines: dict[Loc, int], loc: Loc) -> Scenario:
    if not isinstance(data, dict):
        raise ConfigError(path, lines.get(loc), _dotted(loc) or None, "a scenario is a mapping with name and steps")
    for key in data:
        if key not in ("name", "description", "steps", "timeout", "probes", "returning_user", "profile"):
            raise ConfigError(path, lines.get(loc + (key,)), _dotted(loc + (key,)), "unknown field")
    if "name" not in data or not isinstance(data["name"], str):
        raise ConfigError(path, lines.get(loc), _dotted(loc + ("name",)), "a scenario needs a name")
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise ConfigError(path, lines.get(loc + ("steps",), lines.get(loc)), _dotted(loc + ("steps",)),
                          "a scenario needs a non-empty list of steps")
    steps = [_parse_step(s, path, lines, loc + ("steps", i)) for i, s in enumerate(steps_raw)]
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise ConfigError(path, lines.get(loc + ("timeout",)), _dotted(loc + ("timeout",)),
                          "timeout takes seconds for the whole session, e.g. `timeout: 300`")
    settings = _probe_settings(data["probes"], path, lines, loc + ("probes",)) if "probes" in data else {}
    returning = (_validate(ReturningUser, data["returning_user"] or {}, path, lines, loc + ("returning_user",))
                 if "returning_user" in data else None)
    profile = _profile_overrides(data["profile"], path, lines, loc + ("profile",)) if "profile" in data else {}
    return Scenario(name=data["name"], description=data.get("description", ""), file=path, steps=steps,
                    timeout=timeout, probes=settings, returning_user=returning, profile=profile)


def load_scenario(path: Path) -> Scenario:
    data, lines = load_yaml(path)
    return _scenario_from(data, path, lines, ())


def load_suite(path: Path) -> Suite:
    """A suite file lists apps and scenarios (inline or as files); a scenario file is a suite of one."""
    path = path.resolve()
    data, lines = load_yaml(path)
    if isinstance(data, dict) and "steps" in data:
        return Suite(name=str(data.get("name", path.stem)), file=path, scenarios=[_scenario_from(data, path, lines, ())])
    if not isinstance(data, dict) or "scenarios" not in data:
        raise ConfigError(path, lines.get(()), None, "a suite needs `scenarios:` (or a scenario needs `steps:`)")
    for key in data:
        if key not in ("name", "apps", "scenarios", "probes"):
            raise ConfigError(path, lines.get((key,)), key, "unknown field (expected name, apps, scenarios, probes)")
    suite_probes = _probe_settings(data["probes"], path, lines, ("probes",)) if "probes" in data else {}
    apps: list[Path | AndroidApp] = []
    for i, app in enumerate(data.get("apps") or []):
        if isinstance(app, dict):  # {appid, env_version, path, query}: a mini program on WeChat (android)
            apps.append(_validate(AndroidApp, app, path, lines, ("apps", i)))
            continue
        app_path = (path.parent / str(app)).resolve()
        if not (app_path / "app.json").is_file():
            raise ConfigError(path, lines.get(("apps", i)), f"apps[{i}]", f"{app_path} has no app.json")
        apps.append(app_path)
    scenarios: list[Scenario] = []
    for i, item in enumerate(data["scenarios"] or []):
        if isinstance(item, str):
            scenario_path = (path.parent / item).resolve()
            if not scenario_path.is_file():
                raise ConfigError(path, lines.get(("scenarios", i)), f"scenarios[{i}]", f"no such file {scenario_path}")
            scenarios.append(load_scenario(scenario_path))
        else:
            scenarios.append(_scenario_from(item, path, lines, ("scenarios", i)))
    if not scenarios:
        raise ConfigError(path, lines.get(("scenarios",)), "scenarios", "the suite has no scenarios")
    names = [s.name for s in scenarios]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(path, lines.get(("scenarios",)), "scenarios", f"scenario name {name!r} is used twice")
    scenarios = [s.model_copy(update={"probes": {**suite_probes, **s.probes}}) for s in scenarios]
    return Suite(name=str(data.get("name", path.stem)), file=path, apps=apps, scenarios=scenarios, probes=suite_probes)
