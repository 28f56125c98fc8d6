"""Participation in the Wagtail admin: moderation queues and decisions, meeting registrations, exports."""
