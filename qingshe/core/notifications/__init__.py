"""Notifications beyond the in-app row that `qingshe.core.notify.notify` writes: the centre page
and the bell, per-user preferences (which kinds by which channel), delivery by email through
Django's email backend, an interface for SMS and WeChat template messages (the shipped
implementation only logs, with the phone number masked, and records "logged, not sent"), the
daily digest, and the API under /me/notifications.

`qingshe.core.notify` stays the one entry point every app calls.
"""
