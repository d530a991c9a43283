"""The site's public address: links that leave the site, the hosts it answers to, the proxies it trusts.

Every link that leaves the site (mail, PDF, QR code, calendar, Open Badges JSON) is built from BASE_URL
(LMS_BASE_URL) and never from the request's Host header, which the client chooses: a reset link made
from `Host: evil.example` would hand the token to whoever owns evil.example (DESIGN.md, "Links that
leave the site").
"""

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix

# Names of this machine: a request for one of them can only come from the machine itself (or a tunnel
# to it), and links never use them, so they are always trusted (health checks, `curl localhost`).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def external_url(endpoint: str, **values) -> str:
    """An absolute URL of this site for `endpoint`, at BASE_URL whatever the current request says."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    anchor = values.pop("_anchor", None)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def base_host(config) -> str:
    """The host name (without the port) of BASE_URL."""
    return urlsplit(config["BASE_URL"]).hostname or ""


def trusted_hosts(config) -> list[str]:
    """The Host names the site answers to: BASE_URL's, the machine's own names and TRUSTED_HOSTS
    (LMS_TRUSTED_HOSTS: a JSON list or a comma-separated string; ".example.org" also allows its
    subdomains). A request for any other host is refused with 400."""
    extra = config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [base_host(config), *LOOPBACK_HOSTS, *(str(host).strip() for host in extra)]
    return list(dict.fromkeys(host for host in hosts if host))


def init_links(app: Flask) -> None:
    """Trusted hosts from the configuration, and PROXY_COUNT proxies in front of the app trusted for
    the client's address and scheme (X-Forwarded-For and X-Forwarded-Proto), so rate limits key on the
    real client, request.is_secure is right and HSTS is sent."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.jinja_env.globals["external_url"] = external_url
