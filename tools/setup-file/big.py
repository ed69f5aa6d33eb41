"""Writes a large setup file for timing `switchboard apply` (see BENCHMARKS.md).

usage: python3 tools/setup-file/big.py [TEAMS USERS SCHEDULES LINES] > big-setup.toml
Every line's auth token is { env = "SWITCHBOARD_SECRET_TOKEN" }: set it before applying.
"""

import sys


def main(teams=20, users=300, schedules=100, lines=1000):
    per_team = max(1, users // teams)
    out = []
    for t in range(teams):
        members = ", ".join(
            f'"user{u}@example.com"' for u in range(t * per_team, (t + 1) * per_team)
        )
        out.append(f'[[teams]]\nname = "Team {t}"\nmembers = [{members}]\n')
    for u in range(users):
        out.append(
            f'[[users]]\nemail = "user{u}@example.com"\nname = "User {u}"\n'
            f'phone = "+1415555{u:04d}"\ntime_zone = "Europe/Berlin"\n'
        )
    for s in range(schedules):
        t = s % teams
        people = ", ".join(
            f'"user{u}@example.com"' for u in range(t * per_team, t * per_team + 5)
        )
        out.append(
            f'[[schedules]]\nname = "Schedule {s}"\ntime_zone = "Europe/Berlin"\n'
            f'team = "Team {t}"\n\n[[schedules.layers]]\nname = "weekly"\n'
            f'participants = [{people}]\nstart = "2026-11-23T09:00"\nshift = {{ weeks = 1 }}\n'
        )
    for n in range(lines):
        s = n % schedules
        t = s % teams
        out.append(
            f'[[lines]]\nname = "Line {n}"\nnumber = "+1650555{n:04d}"\nprovider = "twilio"\n'
            f'team = "Team {t}"\nauth_token = {{ env = "SWITCHBOARD_SECRET_TOKEN" }}\n'
            f'routing = {{ steps = [{{ schedule = "Schedule {s}" }}, '
            f'{{ user = "user{t * per_team}@example.com" }}], ring_timeout_secs = 20 }}\n'
        )
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:5]))
