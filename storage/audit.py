"""One log line for each privileged action the audit log records (who did what to which item).

The audit_log table is the record an admin reads back; this line is for the operator's logs,
with the user and item ids as fields (LOG_FORMAT=json) and nothing of the action's content
(titles, member names), which stays in the database. Written after the action's transaction
committed.
"""

from __future__ import annotations

import logging

log = logging.getLogger("visnyk.audit")


def log_action(user_id: int, action: str, *, item_id: int | None = None) -> None:
    fields: dict[str, object] = {"user_id": user_id, "action": action}
    if item_id is not None:
        fields["item_id"] = item_id
        log.info("user %s: %s, item %s", user_id, action, item_id, extra=fields)
    else:
        log.info("user %s: %s", user_id, action, extra=fields)
