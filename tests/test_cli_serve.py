"""``brink serve``: its options and their checks (the app itself: tests/test_web_*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from brink_in_process import invoke

from brink.web.settings import LOOPBACK, ServeSettings, is_loopback


def test_a_missing_scenario_folder_is_refused_before_anything_starts(tmp_path: Path) -> None:
    code, err = invoke(["serve", "--scenarios", str(tmp_path / "nowhere"), "--port", "0"])
    assert code == 2
    assert "nowhere" in err and "is not a folder" in err
    assert "Traceback" not in err


def test_out_of_range_options_are_usage_errors() -> None:
    code, _ = invoke(["serve", "--port", "70000"])
    assert code == 2
    code, _ = invoke(["serve", "--max-runs", "0"])
    assert code == 2


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
     ("0.0.0.0", False), ("192.168.1.5", False), ("::", False), ("example.org", False)],
)
def test_a_token_is_made_for_every_interface_but_the_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    settings = ServeSettings.for_host(host)
    assert (settings.token is None) is loopback
    if not loopback:
        assert settings.token is not None and len(settings.token) >= 20
        assert ServeSettings.for_host(host).token != settings.token  # a new one each time
    assert ServeSettings.for_host(host, token="given").token == "given"


def test_the_default_is_the_loopback() -> None:
    assert ServeSettings().host == LOOPBACK and ServeSettings().token is None


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-1", "1e400"])
def test_a_time_limit_that_is_not_a_finite_number_of_seconds_is_a_usage_error(value: str) -> None:
    """``--time-limit inf`` used to remove the limit (nan, 0 and -1 were refused)."""
    code, err = invoke(["serve", "--time-limit", value, "--port", "0"])
    assert code == 2
    assert "--time-limit" in err and "Traceback" not in err


def test_allow_host_reaches_the_servers_host_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``--allow-host`` names join the loopback names; nothing else is answered."""
    import uvicorn
    from fastapi.testclient import TestClient

    started: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    code, err = invoke(["serve", "--scenarios", str(tmp_path), "--port", "8799", "--allow-host", "lab.example",
                        "--allow-host", "box.example:8799"])
    assert code == 0, err
    with TestClient(started["app"], base_url="http://127.0.0.1:8799") as c:  # type: ignore[arg-type]
        assert c.get("/api/health").status_code == 200
        for host, status in (("lab.example", 200), ("box.example:8799", 200), ("box.example:1", 400),
                             ("localhost:8799", 200), ("evil.example", 400), ("testserver", 400)):
            assert c.get("/api/health", headers={"host": host}).status_code == status, host
