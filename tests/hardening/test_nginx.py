"""The sample nginx config (deploy/nginx/portal.conf): `nginx -t` accepts it, and its key
directives match the app (upload ceiling, sticky websockets, TLS, headers, private media)."""

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.workflow.uploads import MAX_BODY_BYTES

CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "portal.conf"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _text() -> str:
    return CONF.read_text(encoding="utf-8")


def _block(text: str, head: str) -> str:
    """The body of the first block whose header matches `head` (balanced braces)."""
    start = re.search(head + r"\s*\{", text).end()
    depth, at = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[at], 0)
        at += 1
    return text[start : at - 1]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.gov.cn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = directory / "portal.crt", directory / "portal.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def test_nginx_accepts_the_config(tmp_path):
    if NGINX is None:  # fails loudly: `make test` installs Debian's nginx (make test-debs)
        pytest.fail("nginx is not installed: apt-get install nginx (make test-debs does)")
    crt, key = _self_signed(tmp_path)
    site = _text().replace("/etc/nginx/tls/portal.crt", str(crt))
    site = site.replace("/etc/nginx/tls/portal.key", str(key))
    (tmp_path / "portal.conf").write_text(site, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\n"
        "events {}\n"
        "http {\n"
        f"  access_log {tmp_path}/logs/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/portal.conf;\n"
        "}\n",
        encoding="utf-8",
    )
    # Our own binary and arguments, no shell.
    result = subprocess.run(  # noqa: S603
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_body_limit_is_the_apps():
    (limit,) = re.findall(r"client_max_body_size (\d+)m;", _text())
    assert int(limit) * 1024 * 1024 == MAX_BODY_BYTES


def test_websockets_are_sticky_and_upgraded():
    text = _text()
    upstream = _block(text, r"upstream portal_ws")
    assert "hash $cookie_sessionid consistent;" in upstream
    ws = _block(text, r"location /ws/")
    assert "proxy_pass http://portal_ws;" in ws
    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $portal_connection_upgrade;" in ws
    assert re.search(r"proxy_read_timeout \d+h;", ws)
    assert len(re.findall(r"^\s*server \S+:\d+", _block(text, r"upstream portal_app"), re.M)) >= 2


def test_tls_headers_and_timeouts():
    https = _text().split("# --- HTTPS")[1]
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", https)
    assert "TLSv1 " not in https and "TLSv1.1" not in https
    hsts = re.findall(r'Strict-Transport-Security "max-age=(\d+)', https)
    assert hsts and all(int(age) >= 31536000 for age in hsts)
    # add_header in a location drops the server's: every location that adds headers
    # repeats HSTS and nosniff.
    for location in ("location /static/", "location /media/"):
        block = _block(https, location)
        assert "Strict-Transport-Security" in block and "nosniff" in block
    for directive in ("client_body_timeout", "client_header_timeout", "proxy_read_timeout"):
        assert re.search(rf"{directive} \d+[smh];", https), directive
    assert "server_tokens off;" in https
    assert "X-Forwarded-Proto $scheme" in https  # SECURE_PROXY_SSL_HEADER relies on it


def test_private_media_has_no_url():
    text = _text()
    media = _block(text, r"location /media/")
    assert "alias /srv/portal/var/media/;" in media and "sandbox" in media
    assert "private" not in media
    assert re.search(r"location ~ \^/\(private\|var\)/ \{\s*return 404;", text)
    assert "X-Accel" not in text  # the app serves originals itself; nothing internal here
