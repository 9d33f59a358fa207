"""Run calls at the same moment in threads, each with its own database connection,
for tests of what happens when people act at once (use with
``pytest.mark.django_db(transaction=True)``: the transactions must be real)."""

import threading

from django.db import connection


def run_together(*calls, timeout: float = 60):
    """Start every call at once; return their results in order (a value, or the
    exception the call raised). A call still running after ``timeout`` seconds
    fails the test: something is stuck (a deadlock)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # handed to the test, which decides
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a call is stuck (deadlock?)"
    return results
