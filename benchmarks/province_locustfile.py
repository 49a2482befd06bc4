"""The load of `make bench-province`: locust users logged in by password, each as one role, over loopback.

Run by ``benchmarks.province`` (``locust --headless -f`` this file); its plan comes in the JSON file named by
``PROVINCE_LOCUST_PLAN``: the base URL, the pages per role, the accounts per role, the requests each user makes
at most, when the load started and where to write every request's time. Each user logs in once (the app's login
form), then asks its role's pages in turn with a pause to read before each, the first one too: people who log in
together do not all click at the same millisecond, and a load tool whose users all fire at once measures its own
herd (each page queued behind the others). The run stops when every user has made its requests, or at
``--run-time``. Every request's time goes out with when it began, in seconds from the load's start.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, events, task
from locust.exception import StopUser

from benchmarks.http_login import login

PLAN = json.loads(Path(os.environ["PROVINCE_LOCUST_PLAN"]).read_text(encoding="utf-8"))
ROLES = sorted(PLAN["accounts"])
TIMINGS: list[tuple[str, float, str | None, float]] = []
_numbers = itertools.count()
_finished = 0


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
    if name != "login":
        seconds = response_time / 1000
        TIMINGS.append((name, seconds, str(exception) if exception else None, time.time() - seconds - PLAN["started"]))


@events.quitting.add_listener
def _write(environment, **kwargs) -> None:
    with open(PLAN["out"], "w", encoding="utf-8") as out:
        json.dump(TIMINGS, out)


class Person(HttpUser):
    """One member of staff: a role, an account of it, and its pages, with a pause to read each."""

    host = PLAN["base_url"]

    def wait_time(self) -> float:
        return random.uniform(0, 2 * PLAN["think_seconds"])

    def on_start(self) -> None:
        n = next(_numbers)
        self.role = ROLES[n % len(ROLES)]
        accounts = PLAN["accounts"][self.role]
        username, password = accounts[(n // len(ROLES)) % len(accounts)]
        login(self.client, "", username, password)
        self.pages = itertools.cycle([page for page in PLAN["pages"] if page["role"] == self.role])
        self.done = 0
        self.wait()

    @task
    def page(self) -> None:
        global _finished
        if self.done >= PLAN["requests_per_user"]:
            _finished += 1
            if _finished >= PLAN["users"]:
                self.environment.runner.quit()
            raise StopUser
        page = next(self.pages)
        with self.client.get(
            page["path"], params=page["params"], name=page["name"], allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
        self.done += 1
