"""The development server behind `lms serve` and `lms demo`: plain http, for one computer or a classroom.

Serving on all interfaces (`--host 0.0.0.0`) is how a trainer lets phones on the classroom network in:
the site's address becomes the computer's LAN address (for links and the trusted hosts), session cookies
follow the request's scheme, the terminal shows the address with a QR code, and a warning says that plain
http is for a trusted network only.
"""

import ipaddress
import socket
import sys
from dataclasses import dataclass

import click
import segno
from flask import Flask

from lms import config as defaults
from lms.security import relax_cookie_security_for_development

ALL_INTERFACES = ("0.0.0.0", "::", "")  # noqa: S104 - recognised, not bound here
# An address in TEST-NET-1 (RFC 5737): "connecting" a UDP socket to it sends nothing, it only asks the
# routing table which local address would be used, which is the LAN address.
_ROUTE_PROBE = ("192.0.2.1", 9)


def is_loopback(host: str) -> bool:
    """Addresses only this computer can reach (which browsers also treat as secure contexts)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address(host: str) -> str | None:
    """The address other devices on the network reach the server at, when it listens on `host`."""
    if host not in ALL_INTERFACES:
        return None if is_loopback(host) else host
    address = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_ROUTE_PROBE)
            address = probe.getsockname()[0]
        except OSError:  # no route out of this computer: try its host name
            pass
    if not address or address in ALL_INTERFACES:
        try:
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            return None
    return None if is_loopback(address) else address


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass
class DevServer:
    host: str  # what the server binds to
    port: int
    local_url: str  # the address on this computer
    lan_url: str | None  # the address on the local network, when the server is reachable there

    @property
    def public_url(self) -> str:
        return self.lan_url or self.local_url


def prepare_dev_server(app: Flask, host: str, port: int) -> DevServer:
    """Configure `app` for the development server at host:port and say where it is reachable.

    - Cookies: HTTPS-only exactly when a request is HTTPS, unless LMS_SESSION_COOKIE_SECURE is set.
    - BASE_URL (links that leave the site): this server's address, unless LMS_BASE_URL is set.
    - TRUSTED_HOSTS: when a list is configured, the addresses served are added (phones use the LAN one).
    """
    relax_cookie_security_for_development(app)
    local_host = "127.0.0.1" if host in ALL_INTERFACES else host
    lan = lan_address(host)
    server = DevServer(host, port, _url(local_host, port) + "/", _url(lan, port) + "/" if lan else None)
    if app.config["BASE_URL"] == defaults.BASE_URL:
        app.config["BASE_URL"] = server.public_url.rstrip("/")
    trusted = app.config.get("TRUSTED_HOSTS")
    if isinstance(trusted, list):
        trusted.extend(name for name in (local_host, lan) if name and name not in trusted)
    return server


def announce(server: DevServer) -> None:
    """Say where the site is; for a network address, a QR code for phones and a warning about http."""
    click.echo(f"Serving on {server.local_url} (Ctrl+C to stop)")
    if server.lan_url:
        click.echo(f"On the local network (phones, other computers): {server.lan_url}")
        segno.make(server.lan_url, error="l").terminal(out=sys.stdout, compact=True, border=2)
    elif server.host in ALL_INTERFACES:
        click.echo(
            f"This computer's network address was not found: phones need http://<its address>:{server.port}/",
            err=True,
        )
    if not is_loopback(server.host):
        click.echo(
            click.style("Warning: ", fg="yellow", bold=True)
            + "this is plain http beyond this computer: anyone on the network can read the passwords and "
            "pages sent. Use it for a demo on a network you trust; for real trainees, serve the site with "
            "gunicorn behind HTTPS (README, Deployment).",
            err=True,
        )
