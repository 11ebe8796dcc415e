"""Scheduled jobs (ingest, deliver, remind, digest): plain async functions the scheduler calls.

The foundation has none yet; the delivery and feed issues add them here.
"""
