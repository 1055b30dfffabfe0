"""Reports: subscribers to the event stream (`runner/events.py`). Text for people (live),
JSON, GitHub Actions annotations; all render from the same results."""
