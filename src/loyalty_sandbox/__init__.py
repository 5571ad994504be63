"""A local sandbox: the whole pipeline on an emulated AWS endpoint (``pip install ".[sandbox]"``).

:class:`Sandbox` starts moto's server on 127.0.0.1 in a process of its own (the emulator and the
pipeline each get a core; every patch of moto is installed there), provisions the ledger table,
the booking topic, the ingest queue with its dead-letter queue, the aggregate failure queue and the
topic → queue subscription from ``template.yaml`` (so the two cannot drift), and runs the real
Lambda handlers behind local pollers that behave like Lambda's event source mappings:

- SQS → ``lambda_entrypoints/ingest.py``: batch size and batching window from the template,
  ``batchItemFailures`` honoured (only successes are deleted), failed messages reappear after the
  visibility timeout, and the queue's redrive policy moves them to the DLQ after
  ``maxReceiveCount`` receives (moto applies redrive on receive, as SQS does).
- DynamoDB Streams → ``lambda_entrypoints/aggregate.py``: records in order per shard, the
  template's event filter, checkpoint at the lowest reported failure, bisection on function
  errors, bounded retries, then an on-failure record to the failure queue.

Where the emulator differs from AWS, and what the sandbox does about it:

- **No TTL.** moto never deletes expired items. A :class:`~loyalty_sandbox.sweeper.TtlSweeper`
  scans every second for items whose TTL attribute is in the past and deletes them (conditionally
  on still being expired), as DynamoDB's TTL process would (which takes up to days).
- **No userIdentity.** moto's stream records never carry one. The sweeper remembers the keys it
  deleted and the stream poller adds ``{"type": "Service", "principalId": "dynamodb.amazonaws.com"}``
  to the REMOVE records of those keys, exactly what DynamoDB puts on TTL deletions.
- **Region.** moto's stream records say ``us-east-1``; the poller reports the sandbox's region.
- **Double INSERT.** moto streams an UpdateItem that creates an item as two INSERT records (keys
  only, then the item); DynamoDB streams one. The poller drops the keys-only one.
- **Atomic conditional writes.** moto checks a write's condition and then writes without a lock;
  the sandbox serialises DynamoDB requests at the server so concurrent conditional writes on one
  item behave as in DynamoDB.
- **Visibility timeout.** The sandbox shortens the ingest queue's visibility timeout (default 2 s
  instead of the template's) so retries and redrive happen within seconds.
- **No function timeout.** A handler runs to completion; ``get_remaining_time_in_millis`` counts
  down from the template's timeout but nothing stops the call.
- **Metrics and logs.** The handlers' Powertools metrics are discarded after each invocation
  (there is no CloudWatch). All handlers share the sandbox's process; each invocation's logs, the
  library's included, still carry its own function's service name, function name and a fresh
  request id (:func:`loyalty.lambda_bootstrap.bootstrap` keeps them per thread).
"""

from __future__ import annotations

from loyalty_sandbox.engine import FAKE_CREDENTIALS, Sandbox
from loyalty_sandbox.provisioning import Resources
from loyalty_sandbox.template import TemplateError, TemplateSettings, read_template_settings

__all__ = [
    "FAKE_CREDENTIALS",
    "Resources",
    "Sandbox",
    "TemplateError",
    "TemplateSettings",
    "read_template_settings",
]
