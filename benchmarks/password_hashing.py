"""Password hashing schemes on this machine: one check alone, and a class logging in at once.

    python benchmarks/password_hashing.py                 # 30 logins at once on 2 processes
    python benchmarks/password_hashing.py --logins 120 --processes 2

For each scheme: the median time of one check, and the wall time of `--logins` checks spread over
`--processes` processes (as gunicorn's workers would run them). The schemes are Werkzeug's default scrypt
(N=2^15, r=8, p=1: what stored passwords before argon2id; below OWASP's figure), scrypt at OWASP's
N=2^17, and argon2id at each of OWASP's equivalent settings; `lms.auth.passwords` uses the first argon2id
line (m=19 MiB, t=2, p=1).
"""

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from argon2 import PasswordHasher
from werkzeug.security import check_password_hash, generate_password_hash

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
    """The time of one login's password check."""
    start = time.perf_counter()
    ok = (
        check_password_hash(stored, PASSWORD)
        if isinstance(scheme, str)
        else _hasher(scheme).verify(stored, PASSWORD)
    )
    assert ok
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7, help="checks timed alone, per scheme")
    args = parser.parse_args()
    print(f"{'scheme':42} {'one check':>10} {f'{args.logins} at once':>12}")
    with ProcessPoolExecutor(args.processes) as pool:
        for name, scheme in SCHEMES.items():
            stored = stored_hash(scheme)
            alone = [one_check(scheme, stored) for _ in range(args.runs)]
            list(pool.map(one_check, [scheme] * args.processes, [stored] * args.processes))  # warm up
            start = time.perf_counter()
            list(pool.map(one_check, [scheme] * args.logins, [stored] * args.logins))
            burst = time.perf_counter() - start
            print(f"{name:42} {statistics.median(alone) * 1000:8.1f} ms {burst:10.2f} s")


if __name__ == "__main__":
    main()
