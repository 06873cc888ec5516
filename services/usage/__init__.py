"""Feedback and privacy-preserving usage counts (SupportEntry, VisitorEvent).

Nothing here stores or logs who someone is: a visitor is a daily hash (``visitors.py``) whose salt lives one
UTC day in the database (``salt.py``); page views are buffered and written off the page's thread
(``recorder.py``); feedback is rate-limited per hash (``feedback.py``); leads read the counts
(``reports.py``); the maintenance job drops what is older than the retention setting (``retention.py``).
"""
