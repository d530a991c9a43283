"""Default settings. Every one can be overridden by instance/config.py, then by an LMS_* variable."""

from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-not-secret"  # noqa: S105 (production refuses to start with it)

SECRET_KEY = DEFAULT_SECRET_KEY
# None means sqlite:///<instance path>/lms.sqlite, resolved in create_app.
DATABASE_URL = None
REDIS_URL = None
# Background jobs (Celery): a Redis or RabbitMQ URL (redis://..., amqp://...) for several hosts; None keeps
# the queue in instance/jobs.sqlite, worked by `lms serve` itself or by `lms worker`.
BROKER_URL = None
JOBS_QUEUE = "lms"  # the broker's queue name: sites sharing one broker need names of their own
JOBS_EAGER = False  # run each job at once in the process that asks for it (tests)
EXPORT_PROCESSES = 2  # rendering processes of a bulk certificate export on `lms worker`
# An export a page offers (progress matrix, gradebook, attendance register, indicator report, quiz
# results) is made in the request up to this many cells (rows times columns, estimated), by a job beyond.
EXPORT_IN_REQUEST_CELLS = 50_000

# Languages the site is translated into; the first is the default.
LANGUAGES = ["en", "el", "mk", "bg", "sr"]
DEFAULT_LOCALE = "en"
DEFAULT_TIMEZONE = "Europe/Athens"
DIGEST_TIME = "07:00"  # the daily notification digest goes out at this time of day in DEFAULT_TIMEZONE

SITE_NAME = "SME e-Classroom"
SELF_REGISTRATION = True  # default until a coordinator changes it in Site settings

# Files (uploads, export archives): the instance folder, or S3-compatible object storage (AWS, MinIO) when a
# bucket is named. Credentials may also come from boto3's usual AWS_* variables or an instance role.
STORAGE_S3_BUCKET = None
STORAGE_S3_PREFIX = ""
STORAGE_S3_ENDPOINT_URL = None  # e.g. http://minio.internal:9000 ; None: AWS
STORAGE_S3_REGION = None
STORAGE_S3_ACCESS_KEY = None
STORAGE_S3_SECRET_KEY = None

# Mail: SMTP when MAIL_SERVER is set, otherwise messages are written to instance/outbox/.
MAIL_SERVER = None
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_SENDER = "e-classroom@localhost"

PASSWORD_RESET_MAX_AGE = 3600  # seconds
WELCOME_LINK_MAX_AGE = 14 * 24 * 3600  # seconds the set-password link in a welcome mail stays valid
LOGIN_RATE_LIMIT_IP = "30 per minute;200 per hour"  # failed logins (and reset requests) per address
# Wrong passwords per e-mail address (per device for a browser that logged in to it before): the first
# LOGIN_FREE_FAILURES in LOGIN_FAILURE_WINDOW seconds are free, then each makes the next try wait 1, 2,
# 4, ... minutes, at most LOGIN_DELAY_MAX seconds (lms/auth/throttle.py).
LOGIN_FREE_FAILURES = 5
LOGIN_FAILURE_WINDOW = 24 * 3600
LOGIN_DELAY_MAX = 3600

MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # bytes per request; bigger uploads get a 413 page

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Whether the session and remember-me cookies are HTTPS-only: True, False, or "auto" (HTTPS-only when the
# request came over HTTPS). None chooses: True in production (gunicorn behind TLS), "auto" under debug,
# tests and the development server (`lms serve`, `lms demo`), so phones on a classroom network can log in
# over plain http.
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_DURATION = timedelta(days=30)
PERMANENT_SESSION_LIFETIME = timedelta(days=14)

# CSRF tokens are tied to the session, not to a clock: a trainee who spends two hours on a quiz page
# must not lose the answers on submit (see DESIGN.md, "Long pages and CSRF expiry").
WTF_CSRF_TIME_LIMIT = None

# The site's public address. Every link that leaves the site (mail, PDF, QR code, calendar, badge) is
# built from it, never from the request's Host header; its host is trusted (see lms/links.py).
BASE_URL = "http://127.0.0.1:5000"
# More host names the site answers to besides BASE_URL's and localhost (a LAN address, an old name);
# requests for any other Host get 400. A list, or a comma-separated string in LMS_TRUSTED_HOSTS.
TRUSTED_HOSTS: list[str] = []
# Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For and
# X-Forwarded-Proto headers are believed. 0: none, the app faces the clients.
PROXY_COUNT = 0

# Certificates: defaults a coordinator can change in Certificates -> Settings.
CERTIFICATE_ISSUER = "SME e-Classroom training programme"
CERTIFICATE_FUNDING_LINE = "Co-funded by the European Union"
CERTIFICATE_SIGNATORIES = [{"name": "", "title": "Programme coordinator"}]
CERTIFICATE_LOGOS = ["img/logo.svg", "img/eu-flag.svg"]
VERIFY_RATE_LIMIT = "30 per minute"
# Self check-in: wrong codes a trainee may type for one session (after 3, each wait doubles from 30 s),
# and wrong codes accepted from one address in an hour (a classroom shares an address).
CHECK_IN_MAX_FAILURES = 10
CHECK_IN_ADDRESS_FAILURES = 60
# SCORM packages (docs/scorm.md): the largest zip a trainer may upload (also bounded by
# MAX_CONTENT_LENGTH), how long a launch's content URL stays valid, and an optional separate origin
# (e.g. "https://scorm.example.org", answered by this same app) to serve package content from.
SCORM_MAX_MB = 20
SCORM_CONTENT_MAX_AGE = 12 * 3600  # seconds
SCORM_ORIGIN = None

# Forums: authors may edit a post for FORUM_EDIT_MINUTES after writing it; a post is at most
# FORUM_POST_MAX_CHARS characters; each user may post (threads and replies) at FORUM_POST_RATE_LIMIT.
FORUM_EDIT_MINUTES = 30
FORUM_POST_MAX_CHARS = 20_000
FORUM_POST_RATE_LIMIT = "10 per minute;100 per hour"
FORUM_THREADS_PER_PAGE = 25
FORUM_POSTS_PER_PAGE = 30
FORUM_IMAGE_MAX_MB = 2  # a picture attached to a forum post (PNG, JPEG, GIF or WebP)
