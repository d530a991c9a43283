"""Password hashing schemes on this machine: one check alone, and a class logging in at once.

    python benchmarks/password_hashing.py                 # 30 logins at once on 2 processes
    python benchmarks/password_hashing.py --logins 120 --processes 2

For each scheme: the median time of one check, and the wall time of `--logins` checks spread over
`--processes` processes (as gunicorn's workers would run them). The schemes are Werkzeug's default scrypt
(N=2^15, r=8, p=1: what stored passwords before argon2id; below OWASP's figure), scrypt at OWASP's
N=2^17, and argon2id at each of OWASP's equivalent settings; `lms.auth.hashing` uses the first argon2id
line (m=19 MiB, t=2, p=1).
"""

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher
from werkzeug.security import check_password_hash, generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import throwaway  # noqa: E402

PASSWORD = "correct horse battery"
SCHEMES = {
    "scrypt N=2^15 r=8 p=1 (Werkzeug default)": "scrypt:32768:8:1",
    "scrypt N=2^17 r=8 p=1 (OWASP)": "scrypt:131072:8:1",
    "argon2id m=19 MiB t=2 p=1 (OWASP, used)": (19456, 2),
    "argon2id m=46 MiB t=1 p=1 (OWASP)": (47104, 1),
    "argon2id m=12 MiB t=3 p=1 (OWASP)": (12288, 3),
    "argon2id m=9 MiB t=4 p=1 (OWASP)": (9216, 4),
    "argon2id m=7 MiB t=5 p=1 (OWASP)": (7168, 5),
}


def _hasher(scheme) -> PasswordHasher:
    memory, iterations = scheme
    return PasswordHasher(time_cost=iterations, memory_cost=memory, parallelism=1)


def stored_hash(scheme) -> str:
    if isinstance(scheme, str):
        return generate_password_hash(PASSWORD, method=scheme)
    return _hasher(scheme).hash(PASSWORD)


def one_check(scheme, stored: str) -> float:
    """The CPU time of one login's password check (process time: other load on the host does not count)."""
    start = time.process_time()
    ok = (
        check_password_hash(stored, PASSWORD)
        if isinstance(scheme, str)
        else _hasher(scheme).verify(stored, PASSWORD)
    )
    assert ok
    return time.process_time() - start


def app_logins(count: int, legacy: bool) -> float:
    """CPU ms per whole login request (form, password check, rehash if legacy, session, commit) through
    the app and Flask's test client on a throwaway SQLite database."""
    import re

    from lms.auth.services import create_user
    from lms.db import db

    with throwaway.app(LOGIN_RATE_LIMIT_IP="100000 per minute") as app:  # one address logs everyone in
        with app.app_context():
            users = [create_user(f"u{n}@bench.test", f"User {n}", PASSWORD) for n in range(count)]
            if legacy:
                for user in users:
                    user.password_hash = generate_password_hash(PASSWORD)
            db.session.commit()
        clients = []
        for n in range(count):
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            clients.append((client, n, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)))
        start = time.process_time()
        for client, n, token in clients:
            response = client.post(
                "/login", data={"email": f"u{n}@bench.test", "password": PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 302, response.status_code
        return (time.process_time() - start) / count * 1000


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7, help="checks timed alone, per scheme")
    args = parser.parse_args()
    print(
        f"{'scheme':42} {'CPU per check':>13} {f'{args.logins} on {args.processes} cores, CPU-bound':>26}"
        f" {f'{args.logins} at once here (wall)':>24}"
    )
    with ProcessPoolExecutor(args.processes) as pool:
        for name, scheme in SCHEMES.items():
            stored = stored_hash(scheme)
            cpu = statistics.median(one_check(scheme, stored) for _ in range(args.runs))
            list(pool.map(one_check, [scheme] * args.processes, [stored] * args.processes))  # warm up
            start = time.perf_counter()
            list(pool.map(one_check, [scheme] * args.logins, [stored] * args.logins))
            wall = time.perf_counter() - start
            ideal = cpu * args.logins / args.processes
            print(f"{name:42} {cpu * 1000:10.1f} ms {ideal:24.2f} s {wall:22.2f} s")
    for legacy in (False, True):
        cpu = app_logins(args.logins, legacy)
        what = "first login on a Werkzeug scrypt hash (rehash)" if legacy else "login with an argon2id hash"
        print(
            f"whole login request, {what}: {cpu:.0f} ms CPU; {args.logins} on {args.processes} cores "
            f"≈ {cpu * args.logins / args.processes / 1000:.2f} s"
        )


if __name__ == "__main__":
    main()
