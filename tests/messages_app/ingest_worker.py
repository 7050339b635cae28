"""A real Celery worker (prefork, the project's settings) whose platforms are RedisConnector fakes.

Started by the fault tests as a subprocess: `python -m tests.messages_app.ingest_worker QUEUE NS`.
The fakes are installed before the pool forks, so every child uses them. A checkpoint inside the
ingest transaction (after the INSERT, before the COMMIT) lets the test kill the worker or drop its
database connection exactly mid-batch.
"""

import os
import sys


def main(queue: str, ns: str) -> None:
    import django

    django.setup()

    from accounts import connectors
    from messages_app.services import ingest
    from tests.messages_app.ingest_fakes import RedisConnector, Steer
    from tests.workers import serve

    steer = Steer(ns)
    connectors.get_connector = lambda account: RedisConnector(steer)
    original_insert_items = ingest.insert_items

    def insert_items(*args, **options):
        # Every part of the batch inserted with its timeline, the transaction not committed.
        message_ids = original_insert_items(*args, **options)
        if message_ids:
            steer.checkpoint("in_transaction", new=len(message_ids))
        return message_ids

    ingest.insert_items = insert_items
    original_ingest_batch = ingest.ingest_batch

    def ingest_batch(account, batch, **options):
        new_ids = original_ingest_batch(account, batch, **options)
        steer.checkpoint("committed", new=len(new_ids))  # stored, task not yet acknowledged
        return new_ids

    ingest.ingest_batch = ingest_batch

    # QUEUE may name several ("q,q.broadcast"); a drill gives the pool more than one process.
    serve(steer.r, steer.key("ready"), queue, f"fault-{ns}",
          concurrency=int(os.environ.get("SMC_FAKES_CONCURRENCY", "1")))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
