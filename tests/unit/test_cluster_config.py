"""The reference deployment's HAProxy configuration and compose file agree with the launcher (deploy/)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.cluster import COOKIE, Backend, render_compose_config, render_haproxy_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LAUNCHER_ENV = {
    "ATLAS_DATA_DIR",
    "ATLAS_STORE_DIR",
    "ATLAS_REGISTRY",
    "ATLAS_REGISTRY_FILES",
    "ATLAS_REGISTRY_URL",
    "ATLAS_API_URL",
    "STREAMLIT_SERVER_COOKIE_SECRET",
}


def local_config(servers: int = 2) -> str:
    atlas = [Backend(f"s{i + 1}", "127.0.0.1", 9000 + i) for i in range(servers)]
    return render_haproxy_config(8600, atlas, [Backend("api1", "127.0.0.1", 8502)], "/tmp/atlas-test.sock")


def test_the_compose_haproxy_config_is_the_template_rendered():
    assert (DEPLOY / "haproxy.cfg").read_text() == render_compose_config(), (
        "deploy/haproxy.cfg is stale: python -m deploy.cluster render-compose > deploy/haproxy.cfg"
    )


@pytest.mark.parametrize("servers", [1, 2, 4])
def test_every_server_gets_a_sticky_cookie_and_a_health_check(servers):
    config = local_config(servers)
    lines = [line.strip() for line in config.splitlines() if line.strip().startswith("server s")]
    assert lines == [f"server s{i + 1} 127.0.0.1:{9000 + i} check cookie s{i + 1}" for i in range(servers)]
    assert f"cookie {COOKIE} insert indirect nocache" in config
    assert "option httpchk GET /_stcore/health" in config
    assert "option redispatch" in config
    assert "timeout tunnel" in config


def test_a_cluster_without_servers_is_refused_with_a_message():
    with pytest.raises(ValueError, match="at least one atlas server"):
        render_haproxy_config(8600, [], [], "/tmp/x.sock")


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="Debian's haproxy is not installed (make haproxy)")
@pytest.mark.parametrize("render", [local_config, render_compose_config])
def test_haproxy_accepts_the_rendered_config(render, tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(render())
    done = subprocess.run(["haproxy", "-c", "-q", "-f", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_gives_every_atlas_process_the_launchers_environment():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("atlas1", "atlas2", "api"):
        env = services[name]["environment"]
        assert set(env) >= LAUNCHER_ENV, f"{name} lacks {LAUNCHER_ENV - set(env)}"
        assert services[name]["volumes"] == ["atlas-data:/data"]
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["haproxy"]["volumes"]
